"""The stack: components with their places, merged from what the readers found.

Readers (stackpolicy.inputs) turn files into `Fragment`s: components as
plain data, each with a `Locator` that knows where its fields were declared
(a YAML document, a Terraform block, ...). `build_stack` merges fragments
into one `Stack` and checks what every source must satisfy, whatever its
format: a known kind (or a custom kind with a layer), unique names, and one
stack name and org.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from stackpolicy.errors import ManifestError, StackpolicyError
from stackpolicy.location import Location
from stackpolicy.suggest import did_you_mean
from stackpolicy.vocabulary import KIND_LAYER
from stackpolicy.yamlload import Document, PathKey


class Locator(Protocol):
    """Where a component and its fields were declared."""

    def origin(self) -> Location:
        """The component itself: where a finding about the whole component points."""
        ...

    def field(self, path: PathKey) -> Location | None:
        """A field (`("depends_on", 2)`), or None when it was not declared."""
        ...

    @property
    def related(self) -> tuple[Location, ...]:
        """Other declarations of the same component, if the reader grouped any."""
        ...


@dataclass(frozen=True, slots=True)  # one per component: no __dict__ each
class DocumentLocator:
    """A component written as a mapping at `key` of a YAML document."""

    document: Document
    key: PathKey
    related: tuple[Location, ...] = ()

    def origin(self) -> Location:
        return self.document.locate((*self.key, "name"))

    def field(self, path: PathKey) -> Location | None:
        return self.document.span((*self.key, *path))


@dataclass(frozen=True, slots=True)
class PlacesLocator:
    """A component whose reader knows a few places: itself and some fields
    (e.g. a Terraform block's label, a Kubernetes object's metadata.name)."""

    at: Location
    fields: Mapping[PathKey, Location] = field(default_factory=dict)
    related: tuple[Location, ...] = ()
    """Other declarations of the same component (an endpoint's configuration,
    more replicas, an agent's alias), grouped into this one by discovery."""

    def origin(self) -> Location:
        return self.at

    def field(self, path: PathKey) -> Location | None:
        return self.fields.get(path)


@dataclass(frozen=True, slots=True)
class Declared:
    """A component as a reader found it: its fields as a manifest would write
    them (`name`, `kind`, optional `layer`, references, ...) and their places."""

    data: Mapping[str, Any]
    locator: Locator
    source: str
    """The reader that found it: `manifest`, `terraform`, `kubernetes`, ..."""
    address: str = ""
    """Where discovery found it, in the source's own terms
    (`pinecone_index.search`, `serving.kserve.io/InferenceService/ns/name`);
    empty for a manifest component. `<source>:<address>` is what a manifest's
    `source:` field names."""
    confidence: str = ""
    """Discovery's confidence (`certain`, `likely`, `possible`); empty for a manifest."""
    related: tuple[Location, ...] = ()
    """Other places that declare this component: for a manifest component, the
    infrastructure code its `source:` links to (see stackpolicy.discovery.merge)."""


@dataclass(frozen=True)
class Fragment:
    """What one reader found in one file."""

    path: str
    components: tuple[Declared, ...] = ()
    metadata: tuple[tuple[str, str, Location], ...] = ()
    """(field, value, where) for the stack's `name` and `org`."""
    anchor: Location | None = None
    """Where a finding about the whole stack points, if this file has such a place."""


@dataclass(frozen=True, eq=False, slots=True)  # compared and hashed by identity
class Component:
    """One component with its resolved layer and where it was declared."""

    name: str
    kind: str
    layer: str
    data: Mapping[str, Any]
    locator: Locator
    source: str = "manifest"
    address: str = ""
    """Where discovery found it (see `Declared.address`); empty for a manifest component."""
    related: tuple[Location, ...] = ()
    """Other places that declare it (SARIF relatedLocations): more declarations
    grouped by discovery, and the infrastructure code a manifest entry links to."""

    @property
    def location(self) -> Location:
        """Where a finding about the whole component points."""
        return self.locator.origin()

    def field_location(self, *field: str | int) -> Location:
        """A field of this component, or the component itself if the field is absent."""
        return self.locator.field(field) or self.location


@dataclass(frozen=True)
class Stack:
    name: str | None
    org: str | None
    components: tuple[Component, ...]
    files: tuple[str, ...]
    anchor: Location
    """Where a finding about the whole stack points (the first `components:` key)."""
    discovered: tuple[Declared, ...] | None = None
    """Everything discovery found (linked to a manifest entry or not), or None
    when discovery did not run: what the drift rules compare the manifests with."""

    @cached_property
    def by_name(self) -> Mapping[str, Component]:
        return {c.name: c for c in self.components}

    @cached_property
    def by_kind(self) -> Mapping[str, Sequence[Component]]:
        grouped: dict[str, list[Component]] = {}
        for component in self.components:
            grouped.setdefault(component.kind, []).append(component)
        return grouped

    @cached_property
    def order(self) -> Mapping[Component, int]:
        """Each component's index in `components`."""
        return {c: i for i, c in enumerate(self.components)}


@dataclass(frozen=True)
class LoadedStack:
    stack: Stack
    errors: tuple[StackpolicyError, ...]
    skipped: tuple[StackpolicyError, ...] = ()
    """Files that were looked at and are not part of the stack, each with why
    (a Helm template, a policy file): for `--verbose`."""
    warnings: tuple[StackpolicyError, ...] = ()
    """What was read with a caveat (a file skipped, a discovered name changed)."""


NO_ANCHOR = Location.nowhere("none")


def build_stack(
    fragments: Sequence[Fragment],
    errors: Sequence[StackpolicyError] = (),
    discovered: tuple[Declared, ...] | None = None,
) -> LoadedStack:
    """Merge fragments into one stack; what breaks the stack's own rules is an error."""
    problems = list(errors)
    components: list[Component] = []
    seen: dict[str, Component] = {}
    meta: dict[str, tuple[str, Location]] = {}
    for fragment in fragments:
        problems += _merge_metadata(fragment, meta)
        for declared in fragment.components:
            component = _component(declared, problems)
            if component is None:
                continue
            first = seen.get(component.name)
            if first is not None:
                problems.append(
                    ManifestError(
                        f"duplicate component name {component.name!r} "
                        f"(first defined at {first.location})",
                        component.location,
                    )
                )
                continue
            seen[component.name] = component
            components.append(component)
    stack = Stack(
        name=meta["name"][0] if "name" in meta else None,
        org=meta["org"][0] if "org" in meta else None,
        components=tuple(components),
        files=tuple(dict.fromkeys(f.path for f in fragments)),
        anchor=next((f.anchor for f in fragments if f.anchor is not None), NO_ANCHOR),
        discovered=discovered,
    )
    return LoadedStack(stack, tuple(problems))


def _merge_metadata(
    fragment: Fragment, meta: dict[str, tuple[str, Location]]
) -> list[StackpolicyError]:
    problems: list[StackpolicyError] = []
    for field_name, value, where in fragment.metadata:
        if field_name not in meta:
            meta[field_name] = (value, where)
        elif meta[field_name][0] != value:
            first, first_at = meta[field_name]
            problems.append(
                ManifestError(
                    f"metadata.{field_name} {value!r} disagrees with {first!r} at {first_at}",
                    where,
                )
            )
    return problems


def _component(declared: Declared, problems: list[StackpolicyError]) -> Component | None:
    data, locator = declared.data, declared.locator
    kind = data["kind"]
    known = KIND_LAYER.get(kind)
    layer = data.get("layer")
    if known is None and layer is None:
        problems.append(
            ManifestError(
                f"unknown kind {kind!r}{did_you_mean(str(kind), KIND_LAYER)}: use a kind "
                "from the vocabulary (stackpolicy schema manifest) or give the custom kind a layer",
                locator.field(("kind",)) or locator.origin(),
            )
        )
        return None
    if known is not None and layer is not None and layer != known:
        problems.append(
            ManifestError(
                f"layer {layer!r} disagrees with kind {kind!r}, which is in layer {known!r}",
                locator.field(("layer",)) or locator.origin(),
            )
        )
        return None
    related = (*declared.related, *locator.related)
    layer_name = str(layer or known)
    return Component(
        data["name"], kind, layer_name, data, locator, declared.source, declared.address, related
    )
