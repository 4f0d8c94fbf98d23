"""`stackpolicy bom`: the stack as a CycloneDX 1.6 AI bill of materials."""

from __future__ import annotations

from pathlib import Path

from stackpolicy import pipeline
from stackpolicy.commands import deliver, echo_errors
from stackpolicy.findings import Finding
from stackpolicy.output import cyclonedx
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import Request, Settings, read_config, resolve
from stackpolicy.stack import Stack


def run(
    request: Request,
    output: Path | None,
    with_findings: bool = False,
    source_date_epoch: int | None = None,
) -> int:
    """Write the BOM; a stack that does not load (or, with findings, a policy
    that does not) is exit 2 and no BOM, as for `audit`."""
    settings = resolve(request, read_config(request))
    stack, findings, ok = _checked(settings) if with_findings else _read(settings)
    if stack is None:
        return EXIT_ERROR
    timestamp = None
    if source_date_epoch is not None:
        timestamp = cyclonedx.timestamp_from_epoch(source_date_epoch)
    deliver(cyclonedx.render(stack, findings, timestamp), output)
    return EXIT_OK if ok else EXIT_ERROR


def _read(settings: Settings) -> tuple[Stack | None, None, bool]:
    """Only the stack: no policy is loaded or run."""
    loaded = pipeline.read_stack(settings)
    echo_errors(loaded.warnings)
    echo_errors(loaded.errors)
    return (None if loaded.errors else loaded.stack), None, not loaded.errors


def _checked(settings: Settings) -> tuple[Stack | None, tuple[Finding, ...], bool]:
    """The stack and its findings, as `check` finds them (waivers and the
    baseline applied)."""
    report = pipeline.check(settings)
    echo_errors(report.warnings)
    echo_errors(report.errors)
    stack = report.stack if report.evaluated else None
    return stack, report.findings, not report.errors
