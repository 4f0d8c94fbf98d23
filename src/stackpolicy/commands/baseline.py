"""`stackpolicy baseline`: record today's findings so that only new ones fail."""

from __future__ import annotations

from pathlib import Path

import click

from stackpolicy import baseline, pipeline
from stackpolicy.commands import echo_errors, terminal
from stackpolicy.escape import line
from stackpolicy.fileio import write_atomic
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, output: Path) -> int:
    report = pipeline.check(resolve(request, read_config(request)))
    echo_errors(report.errors)
    if report.errors:
        return EXIT_ERROR  # a baseline of a half-checked stack would hide findings
    write_atomic(output, baseline.render(report.findings))
    if not terminal().quiet:
        click.echo(line(f"{output}: {len(report.findings)} findings recorded"), err=True)
    return EXIT_OK
