"""Output formats: one module each, chosen from FORMATS and imported only when used.

A formatter turns a Report into text (plus notices for stderr, such as a
truncated SARIF log). It never decides the exit code.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the CLI imports this module for FORMATS; keep it light
    from stackpolicy.report import Report

FORMATS = {
    "text": "stackpolicy.output.text",
    "json": "stackpolicy.output.json",
    "sarif": "stackpolicy.output.sarif",
    "github": "stackpolicy.output.github",
}


@dataclass(frozen=True)
class FormatOptions:
    color: bool = False
    base_dir: Path | None = None
    """URIs in SARIF and GitHub annotations are relative to this (default: the git root)."""
    sarif_category: str | None = None
    include_waived: bool = False
    """SARIF: emit waived findings as results with suppressions (GitHub ignores those)."""


@dataclass(frozen=True)
class Rendered:
    text: str
    notices: tuple[str, ...] = ()
    """Things the user should know that are not part of the report, for stderr."""


class Formatter(Protocol):
    def __call__(self, report: Report, options: FormatOptions) -> Rendered: ...


def formatter(name: str) -> Formatter:
    render: Formatter = importlib.import_module(FORMATS[name]).render
    return render
