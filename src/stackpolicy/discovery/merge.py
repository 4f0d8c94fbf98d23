"""The declared stack and the discovered one, as one stack.

A discovered component that a manifest entry links to with `source:` is that
entry: it is not added a second time, and where discovery found it becomes
one of the entry's related locations (SARIF `relatedLocations`). Every other
discovered component joins the stack at its place in the infrastructure
code. One that has the name of a declared component is renamed
`<name>-<source>` (`-2`, `-3`, ... if that is taken too), the same way every
run, and the rename is said: a name alone never links.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from stackpolicy.discovery.drift import link_key
from stackpolicy.errors import StackpolicyError
from stackpolicy.location import Location
from stackpolicy.stack import Declared, Fragment


@dataclass(frozen=True)
class Merged:
    fragments: tuple[Fragment, ...]
    """The declared fragments (linked entries with their related places), then
    one fragment per file of discovered components that no entry links to."""
    warnings: tuple[StackpolicyError, ...]
    """Renames of discovered components whose name was taken."""


def merge(declared: Sequence[Fragment], discovered: Sequence[Declared]) -> Merged:
    places = _places_by_key(discovered)
    linked = {
        source
        for fragment in declared
        for component in fragment.components
        if isinstance(source := component.data.get("source"), str) and source in places
    }
    fragments = [_with_related(fragment, places) for fragment in declared]
    taken = {str(c.data.get("name")) for f in declared for c in f.components}
    warnings: list[StackpolicyError] = []
    joined: dict[str, list[Declared]] = {}
    for component in discovered:
        if link_key(component) in linked:
            continue
        named = _unique(component, taken, warnings)
        joined.setdefault(component.locator.origin().path, []).append(named)
    fragments += [
        # A stack found only by discovery has its stack-wide findings at the
        # first component discovery found.
        Fragment(path, tuple(found), anchor=found[0].locator.origin())
        for path, found in joined.items()
    ]
    return Merged(tuple(fragments), tuple(warnings))


def _places_by_key(discovered: Sequence[Declared]) -> dict[str, list[Location]]:
    places: dict[str, list[Location]] = {}
    for component in discovered:
        where = places.setdefault(link_key(component), [])
        where += [component.locator.origin(), *component.locator.related]
    return places


def _with_related(fragment: Fragment, places: dict[str, list[Location]]) -> Fragment:
    def linked(component: Declared) -> Declared:
        source = component.data.get("source")
        found = places.get(source) if isinstance(source, str) else None
        if not found:
            return component
        return dataclasses.replace(component, related=(*component.related, *found))

    return dataclasses.replace(fragment, components=tuple(map(linked, fragment.components)))


def _unique(component: Declared, taken: set[str], warnings: list[StackpolicyError]) -> Declared:
    name = str(component.data.get("name"))
    if name not in taken:
        taken.add(name)
        return component
    renamed = f"{name}-{component.source}"
    suffix = 2
    while renamed in taken:
        renamed, suffix = f"{name}-{component.source}-{suffix}", suffix + 1
    taken.add(renamed)
    warnings.append(
        StackpolicyError(
            f"discovered {link_key(component)} is named {name!r} like a declared component: "
            f"named {renamed!r}; if it is that component, link them with "
            f"`source: {link_key(component)}`",
            component.locator.origin(),
        )
    )
    return dataclasses.replace(component, data={**component.data, "name": renamed})
