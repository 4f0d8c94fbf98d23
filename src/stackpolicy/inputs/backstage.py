"""Backstage catalog entities (Component, Resource, System).

Backstage has no standard AI types, so `spec.type` is looked up in the
mapping's `backstage` entries, which an org extends with its own. The owner
loses its `group:` prefix; `dependsOn` and `system` become references to the
entities they name when those are components too. `lifecycle` is not an
environment and is not read as one. A component is at `metadata.name`; its
address is the entity reference `kind:namespace/name`.
"""

from __future__ import annotations

from typing import Any

from stackpolicy.discovery.candidate import Candidate, Link
from stackpolicy.inputs.discovered import (
    ENVIRONMENT_KEYS,
    DiscoveryReader,
    Found,
    failed,
    parse_yaml,
    pick,
    string_labels,
)
from stackpolicy.inputs.files import InputFile
from stackpolicy.location import Location
from stackpolicy.yamlload import Document, PathKey

_KINDS = ("Component", "Resource", "System")
SCOPE = "backstage"


class BackstageReader(DiscoveryReader):
    name = "backstage"
    suffixes = (".yaml", ".yml")

    what = "a Backstage catalog file"

    def find(self, file: InputFile) -> Found:
        parsed = parse_yaml(file)
        if parsed.error is not None:
            return failed(file, parsed.error, parsed.text)
        found = Found()
        for doc in parsed.documents:
            data = doc.data
            if not (
                isinstance(data, dict)
                and str(data.get("apiVersion", "")).startswith("backstage.io/")
            ):
                continue
            found.recognised = True
            candidate = self.candidate(doc, data)
            if candidate is not None:
                found.candidates.append(candidate)
        return found

    def candidate(self, doc: Document, entity: dict[str, Any]) -> Candidate | None:
        kind = entity.get("kind")
        metadata = entity.get("metadata")
        spec = entity.get("spec") if isinstance(entity.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        if kind not in _KINDS or not isinstance(metadata, dict):
            return None
        name = metadata.get("name")
        entity_type = spec.get("type")
        if not isinstance(name, str) or not name or not isinstance(entity_type, str):
            return None
        rule = self.mapping.first("backstage", (kind, entity_type), entity)
        if rule is None:
            return None
        namespace = metadata.get("namespace")
        namespace = namespace if isinstance(namespace, str) and namespace else "default"
        at = doc.locate(("metadata", "name"))
        data: dict[str, Any] = {}
        fields: dict[PathKey, Location] = {("name",): at}
        owner = spec.get("owner")
        if isinstance(owner, str) and owner:
            data["owner"] = entity_name(owner)
            fields[("owner",)] = doc.locate(("spec", "owner"))
        labels = string_labels(metadata.get("labels"))
        environment = pick(labels, ENVIRONMENT_KEYS)
        if environment:
            data["environment"] = environment
        if labels:
            data["labels"] = labels
        description = metadata.get("description")
        if isinstance(description, str):
            data["description"] = description
        candidate = Candidate(
            source="backstage",
            scope=SCOPE,
            address=entity_ref(kind, name, namespace),
            name=name,
            rule=rule,
            at=at,
            fields=fields,
            data=data,
        )
        system = spec.get("system")
        if isinstance(system, str) and system:
            target = entity_ref("system", system, namespace)
            candidate.links.append(Link("depends_on", SCOPE, target, doc.span(("spec", "system"))))
        depends = spec.get("dependsOn")
        for index, ref in enumerate(depends if isinstance(depends, list) else []):
            if isinstance(ref, str) and ":" in ref:
                target_kind, _, target = ref.partition(":")
                target_ns, _, target_name = target.rpartition("/")
                target = entity_ref(target_kind, target_name, target_ns or namespace)
                where = doc.span(("spec", "dependsOn", index))
                candidate.links.append(Link("depends_on", SCOPE, target, where))
        return candidate


def entity_ref(kind: str, name: str, namespace: str) -> str:
    """Backstage's own reference form; kinds compare case-insensitively."""
    return f"{kind.lower()}:{namespace}/{name}"


def entity_name(ref: str) -> str:
    """`group:default/ml-platform` -> `ml-platform`."""
    return ref.partition(":")[2].rpartition("/")[2] if ":" in ref else ref.rpartition("/")[2]
