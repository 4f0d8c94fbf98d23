"""`stackpolicy check`: evaluate policies against a stack and report findings."""

from __future__ import annotations

from pathlib import Path

import click

from stackpolicy import pipeline
from stackpolicy.commands import configured, deliver, echo_errors, use_color
from stackpolicy.output import FormatOptions, check_format
from stackpolicy.report import Report, exit_code
from stackpolicy.settings import Request, resolve


def run(request: Request, output: Path | None, options: FormatOptions, stats: bool) -> int:
    config, problem = configured(request)
    settings = resolve(request, config)
    report = pipeline.failed_report(problem) if problem else pipeline.check(settings)
    options = options.with_category(settings.sarif_category)
    emit(report, settings.format, output, options)
    if stats:
        click.echo(stats_line(report), err=True)
    return exit_code(report, settings.fail_on)


def emit(report: Report, fmt: str, output: Path | None, options: FormatOptions) -> None:
    """Problems go to stderr, one line each; the report to stdout or `output`."""
    echo_errors(report.errors)
    rendered = check_format(fmt)(report, options.colored(output is None and use_color()))
    deliver(rendered.text, output)
    for notice in rendered.notices:
        click.echo(notice, err=True)


def stats_line(report: Report) -> str:
    phases = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in report.timings)
    return (
        f"stackpolicy: engine {report.engine}: {report.components} components, "
        f"{len(report.policies)} policies, {report.evaluations} evaluations; {phases}"
    )
