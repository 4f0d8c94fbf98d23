"""Drift between the stack people declared and the one discovery found.

Pure functions over two lists: declared components (from manifests, which
may say where they live with `source: terraform:pinecone_index.search`) and
discovered ones (stackpolicy.discovery.scan). A declared component is linked
to a discovered one only by `source:` (`<source>:<address>`); a name match
alone is a hint in the message, never a link, because names are reused
across teams and environments.

- undeclared: discovered, and no declared component links to it; at the
  infrastructure code.
- gone: declared with `source:`, and nothing discovered there; at the
  manifest's `source:` line.
- mismatch: linked, and kind, vendor, environment or owner differ where both
  say something; at the manifest's field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from stackpolicy.location import Location
from stackpolicy.stack import Locator

COMPARED = ("kind", "vendor", "environment", "owner")


class Described(Protocol):
    """A declared or discovered component: `Declared` and `Component` both fit."""

    @property
    def data(self) -> Mapping[str, Any]: ...

    @property
    def locator(self) -> Locator: ...


class Found(Described, Protocol):
    @property
    def source(self) -> str: ...

    @property
    def address(self) -> str: ...


@dataclass(frozen=True)
class Drift:
    kind: Literal["undeclared", "gone", "mismatch"]
    message: str
    location: Location
    declared: Described | None = None
    discovered: Found | None = None
    field: str | None = None
    """For a mismatch: the field that differs."""


def link_key(component: Found) -> str:
    """What a manifest's `source:` names to link to `component`."""
    return f"{component.source}:{component.address}"


def links(
    declared: Sequence[Described], discovered: Sequence[Found]
) -> list[tuple[Described, Found]]:
    """Every (declared, discovered) pair a `source:` links, in declared order.
    One `source:` may match several discovered components (the same address
    in several Terraform modules): it links them all."""
    by_key: dict[str, list[Found]] = {}
    for found in discovered:
        by_key.setdefault(link_key(found), []).append(found)
    pairs = []
    for component in declared:
        source = component.data.get("source")
        if isinstance(source, str):
            pairs += [(component, found) for found in by_key.get(source, [])]
    return pairs


def undeclared(declared: Sequence[Described], discovered: Sequence[Found]) -> list[Drift]:
    linked = {id(found) for _, found in links(declared, discovered)}
    names = {c.data.get("name"): c for c in declared}
    drifts = []
    for found in discovered:
        if id(found) in linked:
            continue
        name = found.data.get("name")
        message = f"{found.data.get('kind')} {name!r} ({link_key(found)}) is in no manifest"
        namesake = names.get(name)
        if namesake is not None:
            message += (
                f"; the declared component {name!r} at {namesake.locator.origin()} has the "
                f"same name: if it is this one, add `source: {link_key(found)}` to it"
            )
        drifts.append(Drift("undeclared", message, found.locator.origin(), namesake, found))
    return drifts


def gone(declared: Sequence[Described], discovered: Sequence[Found]) -> list[Drift]:
    keys = {link_key(found) for found in discovered}
    drifts = []
    for component in declared:
        source = component.data.get("source")
        if not isinstance(source, str) or source in keys:
            continue
        where = component.locator.field(("source",)) or component.locator.origin()
        message = f"{component.data.get('name')!r} says it is {source}, which was not found"
        drifts.append(Drift("gone", message, where, component))
    return drifts


def mismatch(declared: Sequence[Described], discovered: Sequence[Found]) -> list[Drift]:
    drifts = []
    for component, found in links(declared, discovered):
        for name in COMPARED:
            said, seen = component.data.get(name), found.data.get(name)
            if said is None or seen is None or said == seen:
                continue
            where = component.locator.field((name,)) or component.locator.origin()
            message = (
                f"{component.data.get('name')!r} declares {name} {said!r}, but "
                f"{link_key(found)} at {found.locator.origin()} has {seen!r}"
            )
            drifts.append(Drift("mismatch", message, where, component, found, name))
    return drifts


def compare(declared: Sequence[Described], discovered: Sequence[Found]) -> list[Drift]:
    """All three, in file and line order."""
    found = [
        *undeclared(declared, discovered),
        *gone(declared, discovered),
        *mismatch(declared, discovered),
    ]
    return sorted(found, key=lambda d: (d.location.path, d.location.line, d.location.column))
