"""`stackpolicy check`: evaluate policies against a stack and report findings."""

from __future__ import annotations

from pathlib import Path

import click

from stackpolicy import pipeline
from stackpolicy.commands import configured, echo_inputs, emit
from stackpolicy.output import FormatOptions
from stackpolicy.report import Report, exit_code
from stackpolicy.settings import Request, resolve


def run(request: Request, output: Path | None, options: FormatOptions, stats: bool) -> int:
    config, problem = configured(request)
    settings = resolve(request, config)
    report = pipeline.failed_report(problem) if problem else pipeline.check(settings)
    options = options.with_category(settings.sarif_category)
    if settings.verbose:
        echo_inputs(report)
    emit(report, settings.format, output, options)
    if stats:
        click.echo(stats_line(report), err=True)
    return exit_code(report, settings.fail_on)


def stats_line(report: Report) -> str:
    phases = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in report.timings)
    return (
        f"stackpolicy: engine {report.engine}: {report.components} components, "
        f"{len(report.policies)} policies, {report.evaluations} evaluations; {phases}"
    )
