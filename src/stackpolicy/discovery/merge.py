"""The declared stack and the discovered one, as one stack.

A discovered component that a manifest entry links to with `source:` is that
entry: it is not added a second time, and where discovery found it becomes
one of the entry's related locations (SARIF `relatedLocations`). Every other
discovered component joins the stack at its place in the infrastructure
code. One that has the name of a declared component is renamed
`<name>-<source>` (`-2`, `-3`, ... if that is taken too), the same way every
run, and the rename is said: a name alone never links. References between
discovered components follow: to the entry a target is linked to, or to a
target's new name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from stackpolicy.discovery.drift import link_key
from stackpolicy.errors import StackpolicyError
from stackpolicy.location import Location
from stackpolicy.stack import Declared, Fragment
from stackpolicy.vocabulary import REFERENCE_FIELDS


@dataclass(frozen=True)
class Merged:
    fragments: tuple[Fragment, ...]
    """The declared fragments (linked entries with their related places), then
    one fragment per file of discovered components that no entry links to."""
    warnings: tuple[StackpolicyError, ...]
    """Renames of discovered components whose name was taken."""


def merge(declared: Sequence[Fragment], discovered: Sequence[Declared]) -> Merged:
    places = _places_by_key(discovered)
    linked = _linked(declared, places)
    fragments = [_with_related(fragment, places) for fragment in declared]
    taken = {str(c.data.get("name")) for f in declared for c in f.components}
    warnings: list[StackpolicyError] = []
    kept: list[Declared] = []
    names: dict[str, str] = {}  # each discovered name -> its component's name in the stack
    for component in discovered:
        name = str(component.data.get("name"))
        if link_key(component) in linked:
            names[name] = linked[link_key(component)]
            continue
        kept.append(_unique(component, taken, warnings))
        names[name] = str(kept[-1].data.get("name"))
    joined: dict[str, list[Declared]] = {}
    for component in kept:
        joined.setdefault(component.locator.origin().path, []).append(_follow(component, names))
    fragments += [
        # A stack found only by discovery has its stack-wide findings at the
        # first component discovery found.
        Fragment(path, tuple(found), anchor=found[0].locator.origin())
        for path, found in joined.items()
    ]
    return Merged(tuple(fragments), tuple(warnings))


def _linked(declared: Sequence[Fragment], places: dict[str, list[Location]]) -> dict[str, str]:
    """Each link key a manifest entry names, and the (first) entry's name."""
    linked: dict[str, str] = {}
    for fragment in declared:
        for component in fragment.components:
            source = component.data.get("source")
            if isinstance(source, str) and source in places:
                linked.setdefault(source, str(component.data.get("name")))
    return linked


def _follow(component: Declared, names: dict[str, str]) -> Declared:
    """Its references by the targets' names in the stack: a target a manifest
    entry links to is that entry, a renamed one has its new name (left as
    they were, they would dangle or, worse, name the declared namesake)."""
    data = dict(component.data)
    for field in REFERENCE_FIELDS:
        value = data.get(field)
        if isinstance(value, str):
            data[field] = names.get(value, value)
        elif isinstance(value, list):
            data[field] = [names.get(v, v) if isinstance(v, str) else v for v in value]
    return component if data == component.data else dataclasses.replace(component, data=data)


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
