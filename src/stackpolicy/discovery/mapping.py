"""The discovery mapping: which infrastructure objects are which component kind.

The table is data (`mapping.yaml` beside this module, validated by
`schemas/discovery-mapping.schema.json`). An org extends it by passing its own
entries to `load_mapping(extra=...)`; they are tried before the bundled ones,
so an org can also re-map or silence (confidence `possible`) a bundled type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from stackpolicy.errors import ConfigError, StackpolicyError
from stackpolicy.location import Location
from stackpolicy.schemacheck import schema_errors
from stackpolicy.yamlload import Document, load_documents, read_text

MAPPING_FILE = Path(__file__).resolve().parent / "mapping.yaml"
CONFIDENCES = ("certain", "likely", "possible")
COMPONENT_CONFIDENCES = frozenset({"certain", "likely"})
"""Confidences that become components; `possible` is only listed by `discover`."""


@dataclass(frozen=True)
class Rule:
    """One mapping entry, ready to match."""

    kind: str | None
    """None: the object is only ever part of another component."""
    confidence: str
    vendor: str | None = None
    when: Mapping[str, Any] = field(default_factory=dict)
    references: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    absorbs: tuple[str, ...] = ()
    part_of: str | None = None

    def matches(self, data: Any) -> bool:
        return all(_holds(value_at_path(data, path), want) for path, want in self.when.items())


@dataclass(frozen=True)
class DiscoveryMapping:
    terraform: Mapping[str, tuple[Rule, ...]]
    terraform_module: Mapping[str, tuple[Rule, ...]]
    kubernetes: Mapping[tuple[str, str], tuple[Rule, ...]]
    image: Mapping[str, tuple[Rule, ...]]
    backstage: Mapping[tuple[str, str], tuple[Rule, ...]]

    def first(self, table: str, key: Any, data: Any) -> Rule | None:
        """The first rule for `key` in `table` whose conditions `data` meets."""
        rules: Mapping[Any, tuple[Rule, ...]] = getattr(self, table)
        return next((rule for rule in rules.get(key, ()) if rule.matches(data)), None)


def value_at_path(data: Any, path: str) -> Any:
    """`spec.requirements` in nested mappings; lists of blocks (Terraform's
    repeated nested blocks) are searched element by element."""
    values = [data]
    for part in path.split("."):
        found = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            found += [item[part] for item in items if isinstance(item, dict) and part in item]
        values = found
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _holds(value: Any, want: Any) -> bool:
    if isinstance(value, list):
        return want in value
    return bool(value == want)


def load_mapping(extra: Sequence[Mapping[str, Any]] = ()) -> DiscoveryMapping:
    """The bundled table with an org's `extra` entries (the same shape as the
    table's `entries`) tried first. Invalid entries are a ConfigError."""
    bundled = _bundled()
    if not extra:
        return _index(bundled)
    entries = [dict(entry) for entry in extra]  # read-only views are not JSON objects
    document = Document("<discovery mapping>", {"version": 1, "entries": entries})
    errors = schema_errors(document, "discovery-mapping", ConfigError)
    if errors:
        raise errors[0]
    return _index([*entries, *bundled])


@cache
def default_mapping() -> DiscoveryMapping:
    return _index(_bundled())


@cache
def _bundled() -> tuple[Mapping[str, Any], ...]:
    display = "stackpolicy:discovery/mapping.yaml"
    documents = load_documents(read_text(MAPPING_FILE, display), display)
    if len(documents) != 1:
        raise ConfigError("the discovery mapping must be one YAML document", Location(display))
    errors: list[StackpolicyError] = schema_errors(documents[0], "discovery-mapping", ConfigError)
    if errors:
        raise errors[0]
    return tuple(documents[0].data["entries"])


def _index(entries: Iterable[Mapping[str, Any]]) -> DiscoveryMapping:
    tables: dict[str, dict[Any, list[Rule]]] = {
        "terraform": {},
        "terraform_module": {},
        "kubernetes": {},
        "image": {},
        "backstage": {},
    }
    for entry in entries:
        rule = Rule(
            kind=entry.get("kind"),
            confidence=entry["confidence"],
            vendor=entry.get("vendor"),
            when=dict(entry.get("when") or {}),
            references={k: tuple(v) for k, v in (entry.get("references") or {}).items()},
            absorbs=tuple(entry.get("absorbs") or ()),
            part_of=entry.get("part_of"),
        )
        for table, rules in tables.items():
            if table in entry:
                rules.setdefault(_key(table, entry[table]), []).append(rule)
    return DiscoveryMapping(
        **{table: {k: tuple(v) for k, v in rules.items()} for table, rules in tables.items()}
    )


def _key(table: str, value: Any) -> Any:
    if table == "kubernetes":
        return (value["group"], value["kind"])
    if table == "backstage":
        return (value["kind"], value["type"])
    return value
