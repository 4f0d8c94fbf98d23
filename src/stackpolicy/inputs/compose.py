"""docker-compose files: services by image.

Images may come from YAML merge keys and `x-` extension fields
(`<<: *vector-db`); the tolerant YAML reading expands them. A component is at
its service key; its address is the service name (`compose:qdrant` in a
manifest's `source:`), unique within the compose project (the top-level
`name:`, else the directory).
"""

from __future__ import annotations

from typing import Any

from stackpolicy.discovery.candidate import Candidate, Link
from stackpolicy.inputs.discovered import (
    ENVIRONMENT_KEYS,
    OWNER_KEYS,
    DiscoveryReader,
    Found,
    failed,
    parse_yaml,
    pick,
    replica_stem,
    string_labels,
    strip_image,
)
from stackpolicy.inputs.files import InputFile
from stackpolicy.yamlload import Document


class ComposeReader(DiscoveryReader):
    name = "compose"
    suffixes = (".yaml", ".yml")

    what = "a compose file"

    def find(self, file: InputFile) -> Found:
        parsed = parse_yaml(file)
        if parsed.error is not None:
            return failed(file, parsed.error, parsed.text)
        found = Found()
        for doc in parsed.documents:
            if not _is_compose(doc.data):
                continue
            found.recognised = True
            scope = f"compose:{file.display}"
            for service, spec in doc.data["services"].items():
                candidate = self.candidate(doc, scope, service, spec)
                if candidate is not None:
                    found.candidates.append(candidate)
        return found

    def candidate(self, doc: Document, scope: str, service: str, spec: Any) -> Candidate | None:
        if not isinstance(spec, dict) or not isinstance(spec.get("image"), str):
            return None  # built locally (`build:`) or no image: nothing to recognise it by
        image: str = spec["image"]
        rule = self.mapping.first("image", strip_image(image), spec)
        if rule is None:
            return None
        at = doc.locate_key(("services", service))
        labels = _labels(spec.get("labels"))
        data: dict[str, Any] = {"attributes": {"image": image}}
        owner, environment = pick(labels, OWNER_KEYS), pick(labels, ENVIRONMENT_KEYS)
        if owner:
            data["owner"] = owner
        if environment:
            data["environment"] = environment
        if labels:
            data["labels"] = labels
        candidate = Candidate(
            source="compose",
            scope=scope,
            address=service,
            name=service,
            rule=rule,
            at=at,
            fields={("name",): at},
            data=data,
        )
        depends = spec.get("depends_on")
        names = list(depends) if isinstance(depends, (list, dict)) else []
        for index, target in enumerate(names):
            if isinstance(target, str):
                where = doc.span(("services", service, "depends_on", index))
                if where is None:
                    where = doc.locate_key(("services", service, "depends_on", target))
                candidate.links.append(Link("depends_on", scope, target, where))
        stem = replica_stem(service)
        if stem is not None:
            candidate.group = f"{scope}/{stem}/{image}"  # the exact image: replicas
            candidate.group_name = stem
        return candidate


def _is_compose(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("services"), dict)
        and "apiVersion" not in data
        and "kind" not in data
    )


def _labels(value: Any) -> dict[str, str]:
    """Compose labels are a mapping or a list of `key=value`."""
    if isinstance(value, list):
        pairs = (item.split("=", 1) for item in value if isinstance(item, str) and "=" in item)
        return {k: v for k, v in pairs}
    return string_labels(value)
