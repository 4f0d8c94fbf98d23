"""`stackpolicy audit`: the seven layers of the stack, duplication, and risk."""

from __future__ import annotations

import importlib
from pathlib import Path

import click

from stackpolicy.audit import audit
from stackpolicy.commands import echo_errors
from stackpolicy.commands.check import Request, build_report, read_config
from stackpolicy.fileio import write_atomic
from stackpolicy.report import EXIT_ERROR, EXIT_OK

FORMATS = {
    "text": "stackpolicy.output.audit_text",
    "markdown": "stackpolicy.output.audit_markdown",
    "json": "stackpolicy.output.audit_json",
    "html": "stackpolicy.output.audit_html",
}


def run(request: Request, fmt: str, output: Path | None) -> int:
    config = read_config(request)
    report = build_report(request, config)
    echo_errors(report.errors)
    if not report.evaluated or report.stack is None:
        return EXIT_ERROR
    text = importlib.import_module(FORMATS[fmt]).render(audit(report.stack, report.findings))
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    return EXIT_ERROR if report.errors else EXIT_OK
