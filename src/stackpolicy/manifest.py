"""Load a stack manifest (one or many files) into a Stack with positions."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackpolicy.errors import ManifestError, StackpolicyError, UsageError
from stackpolicy.location import Location
from stackpolicy.resources import display_path
from stackpolicy.schemacheck import schema_errors, value_at
from stackpolicy.vocabulary import KIND_LAYER
from stackpolicy.yamlload import Document, PathKey, load_file

API_VERSION = "stackpolicy/v1"
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class Component:
    """One component as written, with its resolved layer and where it is."""

    name: str
    kind: str
    layer: str
    data: Mapping[str, Any]
    document: Document
    key: PathKey

    @property
    def location(self) -> Location:
        """The component's name, where a finding about the whole component points."""
        return self.document.locate((*self.key, "name"))

    def field_location(self, *field: str | int) -> Location:
        """A field of this component, or the component itself if the field is absent."""
        path = (*self.key, *field)
        return self.document.span(path) or self.location


@dataclass(frozen=True)
class Stack:
    name: str | None
    org: str | None
    components: tuple[Component, ...]
    files: tuple[str, ...]
    anchor: Location
    """The first `components:` key: where a finding about the whole stack points."""


@dataclass(frozen=True)
class LoadedStack:
    stack: Stack
    errors: tuple[StackpolicyError, ...]


def manifest_files(paths: Sequence[Path]) -> list[tuple[Path, bool]]:
    """The YAML files under `paths`, sorted, each with whether it was named explicitly."""
    found: list[tuple[Path, bool]] = []
    for path in paths:
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in YAML_SUFFIXES
                and p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            found.extend((p, False) for p in files)
        elif path.exists():  # a FIFO or device is refused, with its kind, when read
            found.append((path, True))
        else:
            shown = display_path(path)  # a glob from the config matches absolute paths
            raise UsageError(f"no such file or directory: {shown}", Location(shown))
    return found


def load_stack(paths: Sequence[Path], *, lenient: bool = False) -> LoadedStack:
    """Read every manifest under `paths` and merge them into one stack.

    In a directory, YAML documents that are not stackpolicy manifests are
    skipped, so a stack can live beside other configuration; a file named
    explicitly must be a manifest, unless `lenient` (pre-commit passes every
    changed YAML file), which also accepts finding no manifest at all.
    """
    errors: list[StackpolicyError] = []
    documents: list[Document] = []
    for path, explicit in manifest_files(paths):
        display = display_path(path)
        try:
            loaded = load_file(path, display)
        except StackpolicyError as exc:
            errors.append(exc)
            continue
        manifests = [doc for doc in loaded if _is_manifest(doc)]
        if explicit and not manifests and not lenient:
            errors.append(_not_a_manifest(loaded, display))
        for doc in manifests:
            doc_errors = schema_errors(doc, "manifest", ManifestError)
            errors.extend(doc_errors)
            if not doc_errors:
                documents.append(doc)
    if not documents and not errors and not lenient:
        where = Location(display_path(paths[0])) if paths else Location.nowhere("none")
        errors.append(ManifestError("no stack manifest found (apiVersion: stackpolicy/v1)", where))
    return _merge([(doc, ()) for doc in documents], errors)


def failed_stack(errors: Sequence[StackpolicyError]) -> LoadedStack:
    """An empty stack that did not load, and why."""
    return _merge([], list(errors))


def embedded_stack(doc: Document, key: PathKey) -> LoadedStack:
    """A stack written inside another YAML file at `key` (a policy test case);
    it may leave out `apiVersion` and `kind`."""
    defaults = {"apiVersion": API_VERSION, "kind": "Stack"}
    errors = schema_errors(doc, "manifest", ManifestError, key, defaults)
    return _merge([] if errors else [(doc, key)], list(errors))


def _is_manifest(doc: Document) -> bool:
    data = doc.data
    return isinstance(data, dict) and str(data.get("apiVersion", "")).startswith("stackpolicy/")


def _not_a_manifest(loaded: list[Document], display: str) -> ManifestError:
    if not loaded:
        return ManifestError("empty file: expected a stack manifest", Location(display))
    doc = loaded[0]
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a scalar"
        return ManifestError(f"expected a mapping (a stack manifest), got {kind}", doc.locate(()))
    return ManifestError(
        f"not a stack manifest: apiVersion must be {API_VERSION!r}", doc.locate_key(("apiVersion",))
    )


def _merge(
    documents: list[tuple[Document, PathKey]], errors: list[StackpolicyError]
) -> LoadedStack:
    components: list[Component] = []
    seen: dict[str, Component] = {}
    meta: dict[str, tuple[str, Location]] = {}
    for doc, key in documents:
        data = value_at(doc.data, key)
        _merge_metadata(doc, key, data, meta, errors)
        for index, raw in enumerate(data.get("components") or []):
            component = _component(doc, (*key, "components", index), raw, errors)
            if component is None:
                continue
            first = seen.get(component.name)
            if first is not None:
                errors.append(
                    ManifestError(
                        f"duplicate component name {component.name!r} "
                        f"(first defined at {first.location})",
                        component.location,
                    )
                )
                continue
            seen[component.name] = component
            components.append(component)
    anchor = _anchor(documents)
    stack = Stack(
        name=meta["name"][0] if "name" in meta else None,
        org=meta["org"][0] if "org" in meta else None,
        components=tuple(components),
        files=tuple(dict.fromkeys(doc.path for doc, _ in documents)),
        anchor=anchor,
    )
    return LoadedStack(stack, tuple(errors))


def _merge_metadata(
    doc: Document,
    key: PathKey,
    data: dict[str, Any],
    meta: dict[str, tuple[str, Location]],
    errors: list[StackpolicyError],
) -> None:
    for field in ("name", "org"):
        value = (data.get("metadata") or {}).get(field)
        if value is None:
            continue
        where = doc.locate((*key, "metadata", field))
        if field not in meta:
            meta[field] = (value, where)
        elif meta[field][0] != value:
            errors.append(
                ManifestError(
                    f"metadata.{field} {value!r} disagrees with "
                    f"{meta[field][0]!r} at {meta[field][1]}",
                    where,
                )
            )


def _component(
    doc: Document, key: PathKey, raw: dict[str, Any], errors: list[StackpolicyError]
) -> Component | None:
    kind = raw["kind"]
    known = KIND_LAYER.get(kind)
    layer = raw.get("layer")
    if known is None and layer is None:
        errors.append(
            ManifestError(
                f"unknown kind {kind!r}: use a kind from the vocabulary "
                "(stackpolicy schema manifest) or give the custom kind a layer",
                doc.locate((*key, "kind")),
            )
        )
        return None
    if known is not None and layer is not None and layer != known:
        errors.append(
            ManifestError(
                f"layer {layer!r} disagrees with kind {kind!r}, which is in layer {known!r}",
                doc.locate((*key, "layer")),
            )
        )
        return None
    return Component(raw["name"], kind, str(layer or known), raw, doc, key)


def _anchor(documents: Iterable[tuple[Document, PathKey]]) -> Location:
    for doc, key in documents:
        return doc.locate_key((*key, "components"))
    return Location.nowhere("none")
