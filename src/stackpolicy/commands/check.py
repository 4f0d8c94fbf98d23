"""`stackpolicy check`: evaluate policies against a stack and report findings."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from pathlib import Path

import click

from stackpolicy import cel
from stackpolicy.builtin import BUILTINS
from stackpolicy.engine import evaluate
from stackpolicy.errors import StackpolicyError
from stackpolicy.fileio import write_atomic
from stackpolicy.findings import Finding
from stackpolicy.manifest import load_stack
from stackpolicy.output import FormatOptions, formatter
from stackpolicy.policy import load_policies
from stackpolicy.report import Report, exit_code, sorted_errors
from stackpolicy.resources import bundled_policies


def build_report(
    paths: Sequence[Path], policy_paths: Sequence[Path], engine: str = "auto"
) -> Report:
    """Load the stack and the policies, evaluate, and gather everything found.

    A stack that does not load is not evaluated (its rules would judge half a
    stack); a policy that does not load is left out and the others still run.
    """
    clock = _Clock()
    backend = cel.backend(engine)
    loaded = load_stack(paths)
    clock.lap("load")
    library = load_policies(policy_paths or [bundled_policies()], backend)
    clock.lap("compile")
    errors: list[StackpolicyError] = [*loaded.errors, *library.errors]
    findings: tuple[Finding, ...] = ()
    evaluations = 0
    if not loaded.errors:
        result = evaluate(loaded.stack, library.policies, backend)
        findings = result.findings
        errors.extend(result.errors)
        evaluations = result.evaluations
    clock.lap("evaluate")
    policies = (*BUILTINS, *(c.policy for c in library.policies))
    return Report(
        findings=findings,
        errors=tuple(errors),
        policies=policies,
        files=loaded.stack.files,
        components=len(loaded.stack.components),
        evaluated=not loaded.errors,
        evaluations=evaluations,
        engine=backend.name,
        timings=tuple(clock.laps),
    )


class _Clock:
    def __init__(self) -> None:
        self.laps: list[tuple[str, float]] = []
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self._last))
        self._last = now


def stats_line(report: Report) -> str:
    phases = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in report.timings)
    return (
        f"stackpolicy: engine {report.engine}: {report.components} components, "
        f"{len(report.policies)} policies, {report.evaluations} evaluations; {phases}"
    )


def run(
    paths: Sequence[Path],
    policy_paths: Sequence[Path],
    fmt: str,
    output: Path | None,
    fail_on: str,
    options: FormatOptions,
    engine: str = "auto",
    stats: bool = False,
) -> int:
    report = build_report(paths, policy_paths, engine)
    emit(report, fmt, output, options)
    if stats:
        click.echo(stats_line(report), err=True)
    return exit_code(report, fail_on)


def emit(report: Report, fmt: str, output: Path | None, options: FormatOptions) -> None:
    """Problems go to stderr, one line each; the report to stdout or `output`."""
    for error in sorted_errors(report.errors):
        click.echo(str(error), err=True)
    render = formatter(fmt)
    if output is None:
        # click drops the colour when stdout is not a terminal; NO_COLOR drops it always.
        color = "NO_COLOR" not in os.environ
        rendered = render(report, dataclasses.replace(options, color=color))
        click.echo(rendered.text, nl=False)
    else:
        rendered = render(report, dataclasses.replace(options, color=False))
        write_atomic(output, rendered.text)
    for notice in rendered.notices:
        click.echo(notice, err=True)
