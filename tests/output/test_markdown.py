"""The Markdown report (for GitHub's job summary): every finding, within 1 MiB."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner

from stackpolicy.cli import main
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions
from stackpolicy.output import markdown as markdown_format
from stackpolicy.report import Report


@pytest.mark.usefixtures("in_root")
def test_acme_matches_golden(golden: Callable[[str, str], None]) -> None:
    result = CliRunner().invoke(main, ["check", "examples/acme", "--format", "markdown"])
    assert result.exit_code == 1
    golden("check-acme.md", result.stdout)
    # All 26 findings, not the 10 + 10 annotations GitHub shows per step.
    assert result.stdout.count("| 🔴 error |") + result.stdout.count("| 🟠 warning |") == 26


def finding(i: int) -> Finding:
    return Finding(
        policy_id="T-1",
        severity="warning",
        message="x" * 200,
        location=Location("s.yaml", i + 1, 3),
        component=f"c{i}",
        layer="inference",
        title="t",
    )


def test_a_huge_report_stops_below_the_summary_limit() -> None:
    findings = tuple(finding(i) for i in range(10_000))
    report = Report(findings=findings, errors=(), policies=(), files=("s.yaml",), components=1)
    text = markdown_format.render(report, FormatOptions()).text
    assert 900_000 < len(text.encode()) <= 2**20
    rows = text.count("| 🟠 warning |")
    assert 3_000 < rows < 10_000
    assert text.endswith(
        f"\n\n{10_000 - rows} more rows left out: a job summary holds at most 1 MiB.\n"
    )


def test_problems_are_rows_too() -> None:
    from stackpolicy.errors import ManifestError

    error = ManifestError("unknown kind 'gpu'", Location("s.yaml", 5, 22))
    report = Report(
        findings=(), errors=(error,), policies=(), files=(), components=0, evaluated=False
    )
    text = markdown_format.render(report, FormatOptions()).text
    assert (
        text.splitlines()[-1] == "| 🔴 problem | stackpolicy | s.yaml:5:22 | unknown kind 'gpu' |"
    )
    assert "Not checked: 1 problem in the input (see below)." in text
