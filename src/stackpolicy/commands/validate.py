"""`stackpolicy validate`: the manifest's schema and references, no policies."""

from __future__ import annotations

from stackpolicy import pipeline
from stackpolicy.commands import echo_inputs, emit
from stackpolicy.output import FormatOptions
from stackpolicy.report import exit_code
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, fmt: str) -> int:
    report = pipeline.validate(resolve(request, read_config(request)))
    if request.verbose:
        echo_inputs(report)
    emit(report, fmt, None, FormatOptions())
    return exit_code(report, "note")
