"""Kubernetes manifests: custom resources by API group and kind (any version),
workloads by the image of their containers.

A component is at its `metadata.name` (`generateName` where there is no
name); its address is `group/Kind/namespace/name` (`apps` for Deployments and
StatefulSets, `batch` for Jobs). Objects that are neither a mapped custom
resource nor a workload with a mapped image (Services, ConfigMaps, ...) are
not components: a Service named like its StatefulSet adds nothing.
"""

from __future__ import annotations

from typing import Any

from stackpolicy.discovery.candidate import Candidate
from stackpolicy.discovery.mapping import Rule
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
from stackpolicy.yamlload import Document, PathKey

# Workloads and where their pod template is.
_POD_SPECS: dict[tuple[str, str], PathKey] = {
    ("apps", "Deployment"): ("spec", "template", "spec"),
    ("apps", "StatefulSet"): ("spec", "template", "spec"),
    ("apps", "DaemonSet"): ("spec", "template", "spec"),
    ("apps", "ReplicaSet"): ("spec", "template", "spec"),
    ("batch", "Job"): ("spec", "template", "spec"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template", "spec"),
    ("", "Pod"): ("spec",),
}
# Other formats that also have apiVersion and kind.
_NOT_KUBERNETES = ("stackpolicy/", "backstage.io/")


class KubernetesReader(DiscoveryReader):
    name = "kubernetes"
    suffixes = (".yaml", ".yml")

    what = "a Kubernetes manifest"

    def find(self, file: InputFile) -> Found:
        parsed = parse_yaml(file)
        if parsed.error is not None:
            return failed(file, parsed.error, parsed.text)
        found = Found()
        for doc in parsed.documents:
            for key, obj in _objects(doc):
                found.recognised = True
                candidate = self.candidate(doc, key, obj)
                if candidate is not None:
                    found.candidates.append(candidate)
        return found

    def candidate(self, doc: Document, key: PathKey, obj: dict[str, Any]) -> Candidate | None:
        api, kind = obj["apiVersion"], obj["kind"]
        group = api.rsplit("/", 1)[0] if "/" in api else ""
        metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        assert isinstance(metadata, dict)
        name_key = "name" if isinstance(metadata.get("name"), str) else "generateName"
        name = metadata.get(name_key)
        if not isinstance(name, str) or not name:
            return None
        rule = self.mapping.first("kubernetes", (group, kind), obj)
        image = None
        if rule is None:
            rule, image = self.by_image(group, kind, obj)
        if rule is None:
            return None
        namespace = metadata.get("namespace")
        namespace = namespace if isinstance(namespace, str) and namespace else "default"
        at = doc.locate((*key, "metadata", name_key))
        labels = string_labels(metadata.get("labels"))
        data: dict[str, Any] = {}
        owner, environment = pick(labels, OWNER_KEYS), pick(labels, ENVIRONMENT_KEYS)
        if owner:
            data["owner"] = owner
        if environment:
            data["environment"] = environment
        if labels:
            data["labels"] = labels
        if image is not None:
            data["attributes"] = {"image": image}
        candidate = Candidate(
            source="kubernetes",
            scope=f"kubernetes:{namespace}",
            address=f"{group or 'core'}/{kind}/{namespace}/{name}",
            name=name,
            rule=rule,
            at=at,
            fields={("name",): at},
            data=data,
        )
        stem = replica_stem(name)
        if stem is not None and image is not None:
            # Replicas written out one by one (qdrant-0, qdrant-1, ...): one
            # component when namespace, kind and the exact image agree. Never
            # for custom resources: llama-2 and llama-3 are two models.
            candidate.group = f"{namespace}/{group}/{kind}/{stem}/{image}"
            candidate.group_name = stem
        return candidate

    def by_image(
        self, group: str, kind: str, obj: dict[str, Any]
    ) -> tuple[Rule | None, str | None]:
        path = _POD_SPECS.get((group, kind))
        if path is None:
            return None, None
        spec: Any = obj
        for part in path:
            spec = spec.get(part) if isinstance(spec, dict) else None
        containers = spec.get("containers") if isinstance(spec, dict) else None
        for container in containers if isinstance(containers, list) else []:
            image = container.get("image") if isinstance(container, dict) else None
            if isinstance(image, str):
                rule = self.mapping.first("image", strip_image(image), obj)
                if rule is not None:
                    return rule, image
        return None, None


def _objects(doc: Document) -> list[tuple[PathKey, dict[str, Any]]]:
    """The Kubernetes objects in a document: itself, or the items of a `List`."""
    data = doc.data
    if not _is_object(data):
        return []
    if data["kind"] == "List" and isinstance(data.get("items"), list):
        return [(("items", i), item) for i, item in enumerate(data["items"]) if _is_object(item)]
    return [((), data)]


def _is_object(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and isinstance(data.get("apiVersion"), str)
        and isinstance(data.get("kind"), str)
        and not data["apiVersion"].startswith(_NOT_KUBERNETES)
    )
