"""What readers find before it is a component, and how finds become components.

A reader turns each recognised object into a `Candidate`: its address, a
proposed name, the mapping rule it matched, its places and its links to
other objects by address. `resolve` then, the same way every run:

1. groups candidates that are one logical component (a part and its whole,
   replicas with one stem) and keeps the others as related locations;
2. turns links into stack references by the name of the target's group;
3. makes names valid and unique: a name several components share gets the
   source as a prefix (`compose/qdrant`), then a number in file order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from stackpolicy.discovery.mapping import COMPONENT_CONFIDENCES, CONFIDENCES, Rule
from stackpolicy.location import Location
from stackpolicy.stack import Declared, PlacesLocator
from stackpolicy.vocabulary import LIST_REFERENCES
from stackpolicy.yamlload import PathKey

_INVALID = re.compile(r"[^A-Za-z0-9._/-]+")
MAX_NAME = 253


@dataclass(frozen=True)
class Link:
    """A reference to another object, as its reader can name it."""

    field: str
    """A stack reference field: `model`, `depends_on`, ..."""
    scope: str
    target: str
    """The target's address within `scope`."""
    at: Location | None = None


@dataclass
class Candidate:
    source: str
    scope: str
    """Addresses are unique within a scope: a Terraform module directory, a
    compose project, a Kubernetes namespace."""
    address: str
    name: str
    rule: Rule
    at: Location
    fields: dict[PathKey, Location] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    """Manifest fields the reader could read: vendor, owner, environment, labels."""
    links: list[Link] = field(default_factory=list)
    part_of: list[tuple[str, str]] = field(default_factory=list)
    """(scope, address) of objects this one is part of, or that are part of it:
    either way one component."""
    group: str | None = None
    """Candidates with the same group key are one component (replicas)."""
    group_name: str | None = None
    """The name a group of replicas takes (their common stem)."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.scope, self.address)

    @property
    def order(self) -> tuple[str, int, int, str]:
        return (self.at.path, self.at.line, self.at.column, self.address)


@dataclass(frozen=True)
class Resolved:
    components: tuple[Declared, ...]
    """certain and likely: what becomes part of the stack."""
    possible: tuple[Declared, ...]
    """possible: listed by `discover`, never in the stack unless an org's mapping says so."""
    renamed: tuple[tuple[str, str, Location], ...] = ()
    """(name as found, name given, where) for every name changed to keep names unique."""


def resolve(candidates: Sequence[Candidate]) -> Resolved:
    groups = _groups(candidates)
    primaries: list[tuple[Candidate, list[Candidate]]] = []
    for members in groups:
        with_kind = [c for c in members if c.rule.kind is not None]
        if not with_kind:
            continue  # a part whose whole was not found (an orphan endpoint configuration)
        primary = min(with_kind, key=lambda c: (CONFIDENCES.index(c.rule.confidence), c.order))
        primaries.append((primary, members))
    primaries.sort(key=lambda pm: pm[0].order)
    names, renamed = _names([(p, members) for p, members in primaries])
    group_of = {m.key: i for i, (_, members) in enumerate(primaries) for m in members}
    components: list[Declared] = []
    possible: list[Declared] = []
    for index, (primary, members) in enumerate(primaries):
        declared = _declared(primary, members, names[index], names, group_of, primaries)
        if primary.rule.confidence in COMPONENT_CONFIDENCES:
            components.append(declared)
        else:
            possible.append(declared)
    return Resolved(tuple(components), tuple(possible), tuple(renamed))


def _groups(candidates: Sequence[Candidate]) -> list[list[Candidate]]:
    """Union-find over parts, wholes and replica groups; deterministic because
    members keep the candidates' order."""
    parent = list(range(len(candidates)))
    index_of: dict[tuple[str, str], int] = {}
    for i, c in enumerate(candidates):
        index_of.setdefault(c.key, i)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    by_group: dict[str, int] = {}
    for i, c in enumerate(candidates):
        for key in c.part_of:
            if key in index_of:
                union(i, index_of[key])
        if c.group is not None:
            union(i, by_group.setdefault(c.group, i))
    grouped: dict[int, list[Candidate]] = {}
    for i, c in enumerate(candidates):
        grouped.setdefault(find(i), []).append(c)
    return list(grouped.values())


def valid_name(raw: str) -> str:
    """A name the manifest schema accepts: characters outside [A-Za-z0-9._/-]
    become `-`, it starts with a letter or digit, at most 253 characters."""
    name = _INVALID.sub("-", raw).lstrip("._/-")[:MAX_NAME]
    return name or "unnamed"


def _names(
    primaries: Sequence[tuple[Candidate, list[Candidate]]],
) -> tuple[list[str], list[tuple[str, str, Location]]]:
    proposed = [
        valid_name(p.group_name if p.group_name and len(members) > 1 else p.name)
        for p, members in primaries
    ]
    count: dict[str, int] = {}
    per_source: dict[tuple[str, str], int] = {}
    for (primary, _), name in zip(primaries, proposed, strict=False):
        count[name] = count.get(name, 0) + 1
        per_source[(primary.source, name)] = per_source.get((primary.source, name), 0) + 1
    names: list[str] = []
    taken: set[str] = {n for n in proposed if count[n] == 1}
    renamed: list[tuple[str, str, Location]] = []
    for (primary, _), name in zip(primaries, proposed, strict=False):
        final = name
        if count[name] > 1:
            # Shared across sources: the source tells them apart; shared
            # within one source: its address does; a number only as a last resort.
            tries: tuple[str, ...] = (f"{primary.source}/{primary.address}",)
            if per_source[(primary.source, name)] == 1:
                tries = (f"{primary.source}/{name}", *tries)
            final = next((t for t in map(valid_name, tries) if t not in taken), "")
            number = 2
            while not final or final in taken:
                final = valid_name(f"{primary.source}/{primary.address}-{number}")
                number += 1
            renamed.append((name, final, primary.at))
        taken.add(final)
        names.append(final)
    return names, renamed


def _declared(
    primary: Candidate,
    members: list[Candidate],
    name: str,
    names: list[str],
    group_of: dict[tuple[str, str], int],
    primaries: Sequence[tuple[Candidate, list[Candidate]]],
) -> Declared:
    rule = primary.rule
    data: dict[str, Any] = {"name": name, "kind": rule.kind}
    if rule.vendor:
        data["vendor"] = rule.vendor
    for member in sorted(members, key=lambda c: c is not primary):
        for key, value in member.data.items():
            data.setdefault(key, value)
    fields = dict(primary.fields)
    me = group_of[primary.key]
    for member in members:
        for link in member.links:
            target = group_of.get((link.scope, link.target))
            if target is None or target == me:
                continue
            if primaries[target][0].rule.confidence not in COMPONENT_CONFIDENCES:
                continue  # the stack would not have it: no dangling reference
            _add_reference(data, fields, link, names[target])
    related = tuple(sorted((m.at for m in members if m is not primary), key=_loc_order))
    locator = PlacesLocator(primary.at, fields, related)
    return Declared(data, locator, primary.source, primary.address, rule.confidence)


def _add_reference(
    data: dict[str, Any], fields: dict[PathKey, Location], link: Link, target: str
) -> None:
    if link.field in LIST_REFERENCES:
        values: list[str] = data.setdefault(link.field, [])
        if target not in values:
            if link.at is not None:
                fields[(link.field, len(values))] = link.at
            values.append(target)
    elif link.field not in data:
        data[link.field] = target
        if link.at is not None:
            fields[(link.field,)] = link.at


def _loc_order(where: Location) -> tuple[str, int, int]:
    return (where.path, where.line, where.column)


def sorted_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    return sorted(candidates, key=lambda c: c.order)
