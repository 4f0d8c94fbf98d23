"""`stackpolicy audit`: the seven layers of the stack, duplication, and risk."""

from __future__ import annotations

from pathlib import Path

from stackpolicy import pipeline
from stackpolicy.audit import audit
from stackpolicy.commands import deliver, echo_errors
from stackpolicy.output import audit_format
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import DEFAULT_DEPARTMENT_LABEL, Request, read_config, resolve


def run(
    request: Request, fmt: str, output: Path | None, department_label: str | None = None
) -> int:
    settings = resolve(request, read_config(request))
    report = pipeline.check(settings)
    echo_errors(report.errors)
    if not report.evaluated or report.stack is None:
        return EXIT_ERROR
    result = audit(
        report.stack,
        report.findings,
        report.policies,
        report.waived,
        department_label or DEFAULT_DEPARTMENT_LABEL,
        settings.profiles,
    )
    deliver(audit_format(fmt)(result), output)
    return EXIT_ERROR if report.errors else EXIT_OK
