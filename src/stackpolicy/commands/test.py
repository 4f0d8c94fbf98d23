"""`stackpolicy test`: run the unit tests that live beside the policies."""

from __future__ import annotations

from itertools import groupby

import click

from stackpolicy import cel
from stackpolicy.commands import echo_errors
from stackpolicy.escape import line
from stackpolicy.policytest import CaseResult, Coverage, SuiteReport, run_suite
from stackpolicy.report import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from stackpolicy.settings import Request, read_config, resolve
from stackpolicy.sources import library_sources


def run(request: Request, require_cases: bool, quiet: bool) -> int:
    """Test the policies under the request's PATHS (default: the configured
    library) against the configured library, which their tests may name.
    Tuning is not applied: a case is a unit test of the policy as written,
    with the params the case sets."""
    settings = resolve(request, read_config(request))
    library = library_sources(settings)
    report = run_suite(settings.paths or library, cel.backend(settings.engine), library)
    echo_errors(report.errors)
    click.echo(render(report, require_cases, quiet), nl=False)
    return exit_code(report, require_cases)


def exit_code(report: SuiteReport, require_cases: bool) -> int:
    if report.errors or any(r.errors for r in report.results):
        return EXIT_ERROR
    if not all(r.passed for r in report.results):
        return EXIT_FINDINGS
    if require_cases and (not report.coverage.complete or not report.results):
        return EXIT_FINDINGS
    return EXIT_OK


def render(report: SuiteReport, require_cases: bool, quiet: bool) -> str:
    lines: list[str] = []
    for path, group in groupby(report.results, key=lambda r: r.file.path):
        shown = [r for r in group if not (quiet and r.passed)]
        if shown:
            lines.append(line(path))
            lines.extend(line for result in shown for line in _case_lines(result))
    results = report.results
    failed = sum(1 for r in results if r.missing or r.unexpected)
    errored = sum(1 for r in results if r.errors)
    passed = len(results) - failed - errored
    if lines:
        lines.append("")
    lines.append(
        f"{len(results)} cases: {passed} passed, {failed} failed, {errored} could not run."
    )
    level = "error" if require_cases else "warning"
    lines += [f"{level}: {line(path)} has no test cases" for path in report.untested_files]
    if not results and not report.untested_files:
        lines.append(f"{level}: no policy tests found (x_test.yaml beside x.yaml)")
    lines.extend(_coverage_lines(report.coverage, require_cases))
    return "\n".join(lines) + "\n"


def _case_lines(result: CaseResult) -> list[str]:
    name = line(result.case.name)  # case names, errors and messages are input
    if result.passed:
        return [f"  {click.style('pass', fg='green')}  {name}"]
    label = click.style("ERROR" if result.errors else "FAIL", fg="red", bold=True)
    lines = [f"  {label}  {name} ({line(str(result.case.location))})"]
    lines += [f"        {line(str(error))}" for error in result.errors]
    lines += [f"        - expected {line(e.describe())}" for e in result.missing]
    for finding in result.unexpected:
        on = f" on {finding.component}" if finding.component else " on the stack"
        got = f"{finding.policy_id}{on}: {finding.message!r}"
        lines.append(f"        + got      {line(got)}")
    return lines


def _coverage_lines(coverage: Coverage, require_cases: bool) -> list[str]:
    level = "error" if require_cases else "warning"
    gaps = [
        ("no test cases", coverage.untested),
        ("no passing case (a stack that complies)", coverage.no_passing_case),
        ("no failing case (a stack that violates it)", coverage.no_failing_case),
    ]
    return [f"{level}: {what}: {line(', '.join(ids))}" for what, ids in gaps if ids]
