"""One module per command; each turns its options into settings, calls the
pipeline (stackpolicy.pipeline) or a library function, and renders. A command
never imports another command; what they share is here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from stackpolicy.config import Config, load_config
from stackpolicy.errors import StackpolicyError
from stackpolicy.escape import line
from stackpolicy.fileio import write_atomic
from stackpolicy.output import FormatOptions, check_format
from stackpolicy.output.text import summary
from stackpolicy.profiles import profile_tunings
from stackpolicy.report import Report, sorted_errors
from stackpolicy.settings import Request, Settings, read_config
from stackpolicy.sources import library_sources

if TYPE_CHECKING:  # the library and its test cases are for rules, explain and docs
    from stackpolicy.library import Library


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


@dataclass(frozen=True)
class Terminal:
    """What the command line asked the terminal to show (cli.py's --quiet,
    --verbose, --color/--no-color, NO_COLOR and FORCE_COLOR)."""

    quiet: bool = False
    verbose: bool = False
    color: bool | None = None
    """None: colour when stdout is a terminal (click decides)."""


def terminal() -> Terminal:
    context = click.get_current_context(silent=True)
    if context is None:
        return Terminal()
    meta = context.meta
    return Terminal(
        quiet=bool(meta.get("stackpolicy.quiet")),
        verbose=bool(meta.get("stackpolicy.verbose")),
        color=meta.get("stackpolicy.color"),
    )


def configured_library(settings: Settings, *, cases: bool | str = True) -> Library:
    """The library `check` would run, as `rules`, `explain` and `docs` show it,
    with the cases `cases` asks for (stackpolicy.library.load_library)."""
    from stackpolicy.library import load_library  # check does not need it

    sources = library_sources(settings)
    profiles = profile_tunings(settings, sources)
    return load_library(sources, settings.config.rules, profiles, cases=cases)


def use_color() -> bool:
    """Whether to add colour codes; click still drops them when stdout is not
    a terminal, unless colour was forced."""
    return terminal().color is not False


def deliver(text: str, output: Path | None) -> None:
    """The report to stdout, or atomically to `output`."""
    if output is None:
        click.echo(text, nl=False, color=terminal().color)
    else:
        write_atomic(output, text)


def emit(
    report: Report,
    fmt: str,
    output: Path | None,
    options: FormatOptions,
    copies: Sequence[tuple[str, Path]] = (),
) -> None:
    """Problems go to stderr, one line each; the report to stdout or `output`,
    and a copy in each of `copies`' formats to its file (`--sarif-output F`)."""
    shown = terminal()
    if not shown.quiet:
        echo_errors(report.warnings)
    echo_errors(report.errors)
    on_terminal = options.colored(output is None and use_color())
    if shown.quiet and output is None:  # files keep their summary
        on_terminal = on_terminal.without_summary()
    rendered = check_format(fmt)(report, on_terminal)
    deliver(rendered.text, output)
    notices = list(rendered.notices)
    for copy_format, path in copies:
        copy = check_format(copy_format)(report, options)
        write_atomic(path, copy.text)
        notices += [n for n in copy.notices if n not in notices]
    if shown.quiet:
        return
    for notice in notices:
        click.echo(notice, err=True)
    if output is not None:  # nothing on the terminal said how it went
        click.echo(f"stackpolicy: {summary(report)} Report: {line(str(output))}", err=True)
    if shown.verbose:
        for said in verbose_lines(report):
            click.echo(said, err=True)


def verbose_lines(report: Report) -> list[str]:
    """What --verbose adds on stderr: what was read, what ran, how long it took."""
    said = [f"stackpolicy: read {line(name)}" for name in report.files]
    said += [f"stackpolicy: {line(s.location.path)}: {line(s.message)}" for s in report.skipped]
    policies = ", ".join(sorted(line(policy.id) for policy in report.policies))
    said.append(f"stackpolicy: policies loaded: {len(report.policies)} ({policies})")
    said.append(
        f"stackpolicy: engine {report.engine or 'none'}; components: {report.components}; "
        f"CEL evaluations: {report.evaluations}"
    )
    said += [f"stackpolicy: {name} {seconds:.3f} s" for name, seconds in report.timings]
    return said
