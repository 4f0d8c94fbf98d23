"""`stackpolicy trace COMPONENT`: the component's lineage upstream and
downstream, with owners, what watches and runs each hop, its findings, and
where the chain breaks."""

from __future__ import annotations

from pathlib import Path

from stackpolicy import pipeline
from stackpolicy.commands import deliver, echo_errors
from stackpolicy.output import trace_format
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import Request, read_config, resolve
from stackpolicy.trace import trace


def run(request: Request, component: str, fmt: str, output: Path | None) -> int:
    report = pipeline.check(resolve(request, read_config(request)))
    echo_errors(report.errors)
    if not report.evaluated or report.stack is None:
        return EXIT_ERROR
    result = trace(report.stack, component, report.findings, report.policies)
    deliver(trace_format(fmt)(result), output)
    return EXIT_ERROR if report.errors else EXIT_OK
