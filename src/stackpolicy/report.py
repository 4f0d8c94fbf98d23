"""The result of a run, and the exit code it implies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackpolicy.errors import StackpolicyError
from stackpolicy.findings import SEVERITIES, Finding, Severity, at_least

if TYPE_CHECKING:
    from stackpolicy.policy import Policy
    from stackpolicy.stack import Stack

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    errors: tuple[StackpolicyError, ...]
    policies: tuple[Policy, ...]
    files: tuple[str, ...]
    components: int
    evaluated: bool = True
    """False when the stack did not load, so no policy ran."""
    evaluations: int = 0
    engine: str = ""
    """The CEL backend that ran the policies."""
    waived: tuple[Finding, ...] = ()
    """Findings a waiver accepts: listed, never failing the run."""
    baselined: int = 0
    """Findings left out because the baseline has them."""
    baseline_gone: int = 0
    """Baselined findings that no longer occur."""
    stack: Stack | None = None
    """The stack that was checked, for commands that need more than findings (audit)."""
    timings: tuple[tuple[str, float], ...] = ()
    """Seconds per phase (load, compile, evaluate), for --stats."""
    skipped: tuple[StackpolicyError, ...] = ()
    """Files looked at that are not part of the stack, with why (--verbose)."""
    warnings: tuple[StackpolicyError, ...] = ()
    """What was read with a caveat: printed, never failing the run."""

    def counts(self) -> dict[Severity, int]:
        counts = dict.fromkeys(SEVERITIES, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


def exit_code(report: Report, fail_on: Severity) -> int:
    """2 for any input or policy error, 1 for a finding at or above `fail_on`, else 0."""
    if report.errors:
        return EXIT_ERROR
    if any(at_least(f.severity, fail_on) for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def sorted_errors(errors: tuple[StackpolicyError, ...]) -> list[StackpolicyError]:
    return sorted(errors, key=lambda e: (e.location.path, e.location.line, e.location.column))
