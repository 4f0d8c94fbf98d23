"""Policies as records: what a rule is (id, title, severity, layer, ...) and,
for a CEL policy, its expressions with the places they were written at.
Every rule, built in or CEL, describes itself with a `Policy`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

from stackpolicy.cel import Scope
from stackpolicy.findings import Severity
from stackpolicy.location import Location
from stackpolicy.yamlload import Segment

RuleScope = Scope | Literal["waiver"]
"""What a rule judges: each component, the whole stack, or each waiver."""

BUILTIN = Location("stackpolicy:builtin", in_file=False)
"""Where rules written in Python are defined."""


@dataclass(frozen=True)
class Expression:
    """CEL source and where it is written, to place errors inside it."""

    source: str
    location: Location
    segments: tuple[Segment, ...] = ()

    def position(self, line: int, column: int) -> Location:
        """The file position of `line`/`column` (1-based) of the source."""
        offset = sum(len(text) + 1 for text in self.source.split("\n")[: line - 1]) + column - 1
        file_line, file_column = self.location.line, self.location.column
        for seg_line, seg_column, seg_offset in self.segments:
            if seg_offset > offset:
                break
            file_line, file_column = seg_line, seg_column + offset - seg_offset
        return Location(self.location.path, file_line, file_column, file_line, file_column)


ParamKind = Literal["bool", "int", "double", "string", "list", "map"]
ItemKind = Literal["bool", "int", "double", "string"]

_KIND_NAMES = {
    "bool": ("a boolean", "booleans"),
    "int": ("an integer", "integers"),
    "double": ("a number", "numbers"),
    "string": ("a string", "strings"),
    "list": ("a list", "lists"),
    "map": ("a mapping", "mappings"),
    "null": ("null", "nulls"),
}


def value_kind(value: Any) -> str:
    """The param kind of a YAML value (`double` for a float)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "null"


@dataclass(frozen=True)
class ParamType:
    """What values a param takes: declared in the policy file (`type:`,
    `items:`), or inferred from an undeclared default."""

    kind: ParamKind | None
    """None: anything (an undeclared null default)."""
    items: ItemKind | None = None
    """For a list: the type of every item; None: any."""

    @classmethod
    def of(cls, default: Any) -> ParamType:
        """The type an undeclared default implies (a list's from its first item)."""
        kind = value_kind(default)
        if kind == "null":
            return cls(None)
        if kind == "list" and default and value_kind(default[0]) in _ITEM_KINDS:
            return cls("list", value_kind(default[0]))  # type: ignore[arg-type]
        return cls(kind)  # type: ignore[arg-type]

    def describe(self) -> str:
        if self.kind is None:
            return "any value"
        if self.kind == "list" and self.items:
            return f"a list of {_KIND_NAMES[self.items][1]}"
        return _KIND_NAMES[self.kind][0]

    def problem(self, value: Any) -> str | None:
        """Why `value` is not of this type, or None when it is."""
        if self.kind is None:
            return None
        kind = value_kind(value)
        if not _fits(self.kind, kind):
            return f"got {_KIND_NAMES[kind][0]}"
        if self.kind == "list" and self.items is not None:
            for index, item in enumerate(value):
                if not _fits(self.items, value_kind(item)):
                    return f"got {_KIND_NAMES[value_kind(item)][0]} at index {index}"
        return None

    def coerce(self, value: Any) -> Any:
        """`value` (which fits) as CEL is to see it: an integer given for a
        double is a double, so `string(params.x)` reads the same either way."""
        if self.kind == "double":
            return float(value)
        if self.kind == "list" and self.items == "double":
            return [float(item) for item in value]
        return value


_ITEM_KINDS = ("bool", "int", "double", "string")


def _fits(declared: str, kind: str) -> bool:
    return kind == declared or (declared == "double" and kind == "int")


@dataclass(frozen=True)
class Policy:
    id: str
    title: str
    description: str
    severity: Severity
    layer: str
    scope: RuleScope
    location: Location
    remediation: str = ""
    tags: tuple[str, ...] = ()
    help_uri: str | None = None
    security_severity: float | None = None
    example: str | None = None
    kinds: tuple[str, ...] = ()
    field: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))
    param_types: Mapping[str, ParamType] = dataclasses.field(
        default_factory=lambda: MappingProxyType({})
    )
    """Each param's type; a param missing here takes what its default implies."""
    variables: tuple[tuple[str, Expression], ...] = ()
    match: Expression | None = None
    assertion: Expression | None = None
    locate: Expression | None = None
    message: Expression | None = None
    builtin: bool = False
    """Written in Python (stackpolicy.rules), not CEL."""

    def parts(self) -> dict[str, Expression]:
        """The CEL parts the policy has, by the name the seam uses."""
        named = {
            "match": self.match,
            "assert": self.assertion,
            "locate": self.locate,
            "message": self.message,
        }
        return {part: expression for part, expression in named.items() if expression is not None}

    def param_type(self, name: str) -> ParamType:
        return self.param_types.get(name) or ParamType.of(self.params[name])

    def expression(self, part: str) -> Expression:
        """The expression behind a part name: `assert`, `variables.NAME`, ..."""
        if part.startswith("variables."):
            return dict(self.variables)[part.removeprefix("variables.")]
        return self.parts()[part]
