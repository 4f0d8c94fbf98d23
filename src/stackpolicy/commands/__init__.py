"""One module per command; each turns its options into settings, calls the
pipeline (stackpolicy.pipeline) or a library function, and renders. A command
never imports another command; what they share is here."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import click

from stackpolicy import pipeline
from stackpolicy.config import Config, load_config
from stackpolicy.errors import StackpolicyError
from stackpolicy.escape import line
from stackpolicy.fileio import write_atomic
from stackpolicy.library import Library, load_library
from stackpolicy.output import FormatOptions, check_format
from stackpolicy.report import Report, sorted_errors
from stackpolicy.settings import Request, Settings, read_config
from stackpolicy.sources import policy_sources


def echo_errors(errors: Iterable[StackpolicyError]) -> None:
    """Expected errors on stderr, one line each, in file and line order."""
    for error in sorted_errors(tuple(errors)):
        click.echo(str(error), err=True)


def configured(request: Request) -> tuple[Config, StackpolicyError | None]:
    """The configuration, or the defaults and why the configuration is unusable
    (so that a SARIF log can still say so)."""
    try:
        return read_config(request), None
    except StackpolicyError as exc:
        return load_config(None), exc


def library_paths(settings: Settings) -> list[Path]:
    """The policy sources `check` would load: configured, or `-p`, plus `-P`."""
    return policy_sources(settings.config, settings.policy_paths, settings.added_policies)


def configured_library(settings: Settings) -> Library:
    """The library `check` would run, as `rules`, `explain` and `docs` show it."""
    sources = library_paths(settings)
    profiles = pipeline.profile_tunings(settings, sources)
    return load_library(sources, settings.config.rules, profiles)


def echo_inputs(report: Report) -> None:
    """`--verbose`: the files that make up the stack, and those skipped and why."""
    for path in report.files:
        click.echo(line(f"read {path}"), err=True)
    for skipped in report.skipped:
        click.echo(line(f"{skipped.location.path}: {skipped.message}"), err=True)


def use_color() -> bool:
    """click drops the colour when stdout is not a terminal; NO_COLOR drops it always."""
    return "NO_COLOR" not in os.environ


def deliver(text: str, output: Path | None) -> None:
    """The report to stdout, or atomically to `output`."""
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)


def emit(report: Report, fmt: str, output: Path | None, options: FormatOptions) -> None:
    """Problems go to stderr, one line each; the report to stdout or `output`."""
    echo_errors(report.warnings)
    echo_errors(report.errors)
    rendered = check_format(fmt)(report, options.colored(output is None and use_color()))
    deliver(rendered.text, output)
    for notice in rendered.notices:
        click.echo(notice, err=True)
