"""Text for people: `file:line:col: severity ID message`, then a summary."""

from __future__ import annotations

import click

from stackpolicy.escape import line
from stackpolicy.output import FormatOptions, Rendered
from stackpolicy.report import Report

_COLORS = {"error": "red", "warning": "yellow", "note": "blue"}


def render(report: Report, options: FormatOptions) -> Rendered:
    color = options.color
    lines = [
        _line(str(f.location), f.severity, f.policy_id, f.message, color)
        for f in sorted(report.findings, key=lambda f: f.sort_key())
    ]
    if options.summary:
        lines += ["", summary(report)] if lines else [summary(report)]
    return Rendered("".join(f"{text}\n" for text in lines))


def _line(where: str, severity: str, policy_id: str, message: str, color: bool) -> str:
    # File names, ids and messages come from the input; escape them before
    # adding colour, whose escape sequences are the only ones we write.
    where, policy_id, message = line(where), line(policy_id), line(message)
    if color:
        severity = click.style(severity, fg=_COLORS[severity], bold=True)
        policy_id = click.style(policy_id, bold=True)
    return f"{where}: {severity} {policy_id} {message}"


def summary(report: Report, problems_are: str = "above") -> str:
    """One line: what was found where. `problems_are` says where the problems
    it counts are listed (stderr is above a terminal's report)."""
    if not report.evaluated:
        n = len(report.errors)
        return f"Not checked: {n} {_plural('problem', n)} in the input (see {problems_are})."
    counts = report.counts()
    total = len(report.findings)
    detail = ", ".join(f"{n} {_plural(sev, n)}" for sev, n in counts.items() if n)
    head = f"{total} {_plural('finding', total)}" + (f" ({detail})" if detail else "")
    files, policies = len(report.files), len(report.policies)
    text = (
        f"{head} in {report.components} {_plural('component', report.components)}"
        f" from {files} {_plural('file', files)}, {policies} {_plural('policy', policies)} checked"
    )
    if report.waived:
        text += f"; {len(report.waived)} waived"
    if report.baselined:
        text += f"; {report.baselined} in the baseline"
    if report.baseline_gone:
        n = report.baseline_gone
        text += (
            f"; {n} baselined {_plural('finding', n)} no longer "
            f"{'occurs' if n == 1 else 'occur'}: shrink the baseline"
        )
    if report.errors:
        n = len(report.errors)
        text += f"; {n} {_plural('problem', n)} stopped part of the check (see {problems_are})"
    return text + "."


def _plural(word: str, n: int) -> str:
    if n == 1:
        return word
    return word[:-1] + "ies" if word.endswith("y") else word + "s"
