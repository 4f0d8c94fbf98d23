"""`stackpolicy validate`: the manifest's schema and references, no policies."""

from __future__ import annotations

import click

from stackpolicy import pipeline
from stackpolicy.commands import echo_errors, use_color
from stackpolicy.output import FormatOptions, check_format
from stackpolicy.report import exit_code
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, fmt: str) -> int:
    report = pipeline.validate(resolve(request, read_config(request)))
    echo_errors(report.errors)
    click.echo(check_format(fmt)(report, FormatOptions(color=use_color())).text, nl=False)
    return exit_code(report, "note")
