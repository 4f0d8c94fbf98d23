"""Output formats: one module each, registered below and imported only when used.

A check format turns a Report into text (plus notices for stderr, such as a
truncated SARIF log); an audit format turns an Audit into text, a trace format a Trace. Neither
decides the exit code. To add a format, write a module with a `render`
function that matches the Protocol and add a loader to the registry; the
command line's choices come from the registries.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from stackpolicy.settings import DEFAULT_SARIF_CATEGORY

if TYPE_CHECKING:  # the CLI imports this module for the format names; keep it light
    from stackpolicy.audit import Audit
    from stackpolicy.report import Report
    from stackpolicy.trace import Trace


@dataclass(frozen=True)
class FormatOptions:
    color: bool = False
    base_dir: Path | None = None
    """URIs in SARIF and GitHub annotations are relative to this (default: the git root)."""
    sarif_category: str = DEFAULT_SARIF_CATEGORY
    include_waived: bool = False
    """SARIF: emit waived findings as results with suppressions (GitHub ignores those)."""
    summary: bool = True
    """Text: end with the summary line (not with --quiet)."""

    def with_category(self, category: str) -> FormatOptions:
        return dataclasses.replace(self, sarif_category=category)

    def colored(self, color: bool) -> FormatOptions:
        return dataclasses.replace(self, color=color)

    def without_summary(self) -> FormatOptions:
        return dataclasses.replace(self, summary=False)


@dataclass(frozen=True)
class Rendered:
    text: str
    notices: tuple[str, ...] = ()
    """Things the user should know that are not part of the report, for stderr."""


class CheckFormat(Protocol):
    def __call__(self, report: Report, options: FormatOptions) -> Rendered: ...


class AuditFormat(Protocol):
    def __call__(self, audit: Audit) -> str: ...


class TraceFormat(Protocol):
    def __call__(self, trace: Trace) -> str: ...


def _text() -> CheckFormat:
    from stackpolicy.output import text

    return text.render


def _json() -> CheckFormat:
    from stackpolicy.output import json

    return json.render


def _sarif() -> CheckFormat:
    from stackpolicy.output import sarif

    return sarif.render


def _github() -> CheckFormat:
    from stackpolicy.output import github

    return github.render


def _markdown() -> CheckFormat:
    from stackpolicy.output import markdown

    return markdown.render


CHECK_FORMATS: Mapping[str, Callable[[], CheckFormat]] = {
    "text": _text,
    "json": _json,
    "sarif": _sarif,
    "github": _github,
    "markdown": _markdown,
}


def _audit_text() -> AuditFormat:
    from stackpolicy.output import audit_text

    return audit_text.render


def _audit_markdown() -> AuditFormat:
    from stackpolicy.output import audit_markdown

    return audit_markdown.render


def _audit_json() -> AuditFormat:
    from stackpolicy.output import audit_json

    return audit_json.render


def _audit_html() -> AuditFormat:
    from stackpolicy.output import audit_html

    return audit_html.render


AUDIT_FORMATS: Mapping[str, Callable[[], AuditFormat]] = {
    "text": _audit_text,
    "markdown": _audit_markdown,
    "json": _audit_json,
    "html": _audit_html,
}


def _trace_text() -> TraceFormat:
    from stackpolicy.output import trace_text

    return trace_text.render


def _trace_markdown() -> TraceFormat:
    from stackpolicy.output import trace_markdown

    return trace_markdown.render


def _trace_json() -> TraceFormat:
    from stackpolicy.output import trace_json

    return trace_json.render


TRACE_FORMATS: Mapping[str, Callable[[], TraceFormat]] = {
    "text": _trace_text,
    "markdown": _trace_markdown,
    "json": _trace_json,
}


def check_format(name: str) -> CheckFormat:
    return CHECK_FORMATS[name]()


def audit_format(name: str) -> AuditFormat:
    return AUDIT_FORMATS[name]()


def trace_format(name: str) -> TraceFormat:
    return TRACE_FORMATS[name]()
