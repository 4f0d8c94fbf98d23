"""`stackpolicy check`: evaluate policies against a stack and report findings."""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click

from stackpolicy import baseline, cel
from stackpolicy.builtin import BUILTINS
from stackpolicy.commands import echo_errors
from stackpolicy.config import Config, find_config, load_config
from stackpolicy.engine import DEFAULT_TIME_BUDGET, evaluate
from stackpolicy.errors import StackpolicyError, UsageError
from stackpolicy.fileio import write_atomic
from stackpolicy.findings import Finding
from stackpolicy.inputs import load_stack
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions, formatter
from stackpolicy.policy import Policy, load_policies
from stackpolicy.report import Report, exit_code
from stackpolicy.resources import display_path
from stackpolicy.sources import policy_sources
from stackpolicy.stack import LoadedStack
from stackpolicy.tuning import retune_builtin_findings, tune
from stackpolicy.waivers import WAIVER_RULES, apply_waivers, load_waivers


@dataclass(frozen=True)
class Request:
    """What the command line asked for; None means "from the config, else the default"."""

    paths: tuple[Path, ...] = ()
    policy_paths: tuple[Path, ...] = ()
    config: Path | None = None
    no_config: bool = False
    engine: str = "auto"
    baseline: Path | None = None
    changed: bool = False
    """PATHS are the files a commit changed (pre-commit): see `select_changed`."""
    today: date | None = None
    policy_timeout: float | None = None


def read_config(request: Request) -> Config:
    if request.no_config:
        return load_config(None)
    return load_config(request.config or find_config())


def stack_paths(request: Request, config: Config) -> list[Path]:
    if config.stack and (request.changed or not request.paths):
        return config.stack_paths()
    if request.paths:
        return list(request.paths)
    raise UsageError(
        "no stack to check: give PATHS, or list the stack's files under `stack:` in "
        ".stackpolicy.yaml",
        Location.nowhere("command line"),
    )


def build_report(request: Request, config: Config) -> Report:
    """Load, tune, evaluate, then apply waivers and the baseline.

    A stack that does not load is not evaluated (its rules would judge half a
    stack); a policy that does not load is left out and the others still run.
    """
    clock = _Clock()
    try:
        backend = cel.backend(request.engine)
        # pre-commit passes every changed YAML file; without a configured stack,
        # those that are not manifests are simply not part of it.
        lenient = request.changed and not config.stack
        loaded = load_stack(stack_paths(request, config), lenient=lenient)
        clock.lap("load")
        library = load_policies(policy_sources(config, request.policy_paths), backend)
        tuned = tune(library.policies, BUILTINS, config.rules)
        waivers = load_waivers(config)
        baseline_path = request.baseline or config.baseline
        known = baseline.read(baseline_path) if baseline_path else None
    except StackpolicyError as exc:  # a config error still gives a (failed) report
        return failed_report(exc)
    clock.lap("compile")
    waiver_rules = WAIVER_RULES if waivers else ()
    policies = (*tuned.builtins, *waiver_rules, *(c.policy for c in tuned.policies))
    errors: list[StackpolicyError] = [*loaded.errors, *library.errors]
    if loaded.errors or not loaded.stack.files:  # broken, or no manifest among the changes
        return _report(loaded, (), (), errors, policies, clock)
    budget = request.policy_timeout or config.policy_timeout or DEFAULT_TIME_BUDGET
    result = evaluate(loaded.stack, tuned.policies, backend, budget)
    errors.extend(result.errors)
    clock.lap("evaluate")
    findings = retune_builtin_findings(result.findings, BUILTINS, tuned.builtins)
    today = request.today or date.today()
    waived = apply_waivers(findings, waivers, today, config.waiver_warning_days)
    active: Sequence[Finding] = (*waived.active, *waived.problems)
    counts = (0, 0)
    if known is not None:
        outcome = baseline.apply(active, known)
        active, counts = outcome.new, (outcome.baselined, outcome.gone)
    kept, kept_waived = active, waived.waived
    if request.changed:
        scopes = {p.id: p.scope for p in policies}
        kept = select_changed(active, request.paths, scopes)
        kept_waived = tuple(select_changed(waived.waived, request.paths, scopes))
    return dataclasses.replace(
        _report(loaded, kept, kept_waived, errors, policies, clock),
        evaluations=result.evaluations,
        engine=backend.name,
        baselined=counts[0],
        baseline_gone=counts[1],
    )


def failed_report(error: StackpolicyError) -> Report:
    """The report of a run that could not start, so SARIF still says why."""
    return Report((), (error,), BUILTINS, (), 0, evaluated=False)


def select_changed(
    findings: Sequence[Finding], changed: Sequence[Path], scopes: dict[str, str]
) -> tuple[Finding, ...]:
    """What a pre-commit run shows: findings in the changed files, and every
    finding of a stack-scope policy ("one vector store" is about all files)."""
    files = {display_path(path) for path in changed}
    return tuple(
        f for f in findings if f.location.path in files or scopes.get(f.policy_id) == "stack"
    )


def _report(
    loaded: LoadedStack,
    findings: Sequence[Finding],
    waived: Sequence[Finding],
    errors: Sequence[StackpolicyError],
    policies: Sequence[Policy],
    clock: _Clock,
) -> Report:
    return Report(
        findings=tuple(findings),
        errors=tuple(errors),
        policies=tuple(policies),
        files=loaded.stack.files,
        components=len(loaded.stack.components),
        evaluated=not loaded.errors,
        waived=tuple(waived),
        timings=tuple(clock.laps),
        stack=loaded.stack,
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
    request: Request,
    fmt: str | None,
    output: Path | None,
    fail_on: str | None,
    options: FormatOptions,
    stats: bool = False,
) -> int:
    try:
        config = read_config(request)
    except StackpolicyError as exc:
        config, report = load_config(None), failed_report(exc)
    else:
        report = build_report(request, config)
    category = options.sarif_category or config.sarif_category or "stackpolicy/"
    options = dataclasses.replace(options, sarif_category=category)
    emit(report, fmt or config.format or "text", output, options)
    if stats:
        click.echo(stats_line(report), err=True)
    return exit_code(report, fail_on or config.fail_on or "error")


def emit(report: Report, fmt: str, output: Path | None, options: FormatOptions) -> None:
    """Problems go to stderr, one line each; the report to stdout or `output`."""
    echo_errors(report.errors)
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
