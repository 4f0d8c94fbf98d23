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

    def expression(self, part: str) -> Expression:
        """The expression behind a part name: `assert`, `variables.NAME`, ..."""
        if part.startswith("variables."):
            return dict(self.variables)[part.removeprefix("variables.")]
        return self.parts()[part]
