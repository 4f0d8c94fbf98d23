"""Markdown for a GitHub job summary or a pull-request comment: the summary
line, then every finding and problem in a table.

GitHub shows at most 10 error and 10 warning annotations per step; the job
summary has room for all of them, up to its 1 MiB per step. A report that
would not fit stops at `MAX_BYTES` and says how many rows were left out.
Every cell is escaped with `escape.markdown`, so input adds no row, cell,
link, heading or HTML.
"""

from __future__ import annotations

from stackpolicy.escape import markdown
from stackpolicy.findings import Finding
from stackpolicy.output import FormatOptions, Rendered
from stackpolicy.output.text import summary
from stackpolicy.report import Report, sorted_errors

MAX_BYTES = 1_000_000
"""Below GitHub's limit for one step's summary (1 MiB), with room for the last line."""

_ICONS = {"error": "🔴 error", "warning": "🟠 warning", "note": "🔵 note"}
_HEAD = ("| severity | policy | where | finding |", "|---|---|---|---|")


def render(report: Report, options: FormatOptions) -> Rendered:
    parts = ["## stackpolicy", "", markdown(summary(report, problems_are="below")), ""]
    rows = [_finding_row(f) for f in sorted(report.findings, key=lambda f: f.sort_key())]
    rows += [
        f"| 🔴 problem | stackpolicy | {markdown(str(e.location))} | {markdown(e.message)} |"
        for e in sorted_errors(report.errors)
    ]
    if rows:
        parts += [*_HEAD, *_fitting(rows, len("\n".join(parts)))]
    return Rendered("\n".join(parts) + "\n")


def _finding_row(finding: Finding) -> str:
    return (
        f"| {_ICONS[finding.severity]} | {markdown(finding.policy_id)} "
        f"| {markdown(str(finding.location))} | {markdown(finding.message)} |"
    )


def _fitting(rows: list[str], used: int) -> list[str]:
    """As many rows as fit in MAX_BYTES, and a line saying how many did not."""
    kept: list[str] = []
    size = used + sum(len(h) + 1 for h in _HEAD)
    for row in rows:
        size += len(row.encode()) + 1
        if size > MAX_BYTES:
            left = len(rows) - len(kept)
            return [*kept, "", f"{left} more rows left out: a job summary holds at most 1 MiB."]
        kept.append(row)
    return kept
