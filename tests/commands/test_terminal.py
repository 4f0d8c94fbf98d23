"""What `check` shows on the terminal: --quiet, --verbose, --color/--no-color
with NO_COLOR and FORCE_COLOR, the summary on stderr when the report goes to a
file, and more than one report in one run (--FORMAT-output FILE)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import OWNERS, STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]
FINDING = "s.yaml:5:12: warning T-OWN-001 wh (warehouse) has no owner"
SUMMARY = "1 finding (1 warning) in 1 component from 1 file, 3 policies checked."
RED_WARNING = "\x1b[33m\x1b[1mwarning\x1b[0m"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def stack(write: Write) -> str:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    return "s.yaml"


@pytest.mark.parametrize(
    "args",
    [("-q", "check"), ("check", "-q"), ("--quiet", "check"), ("check", "--quiet")],
)
def test_quiet_prints_only_findings(stack: str, args: tuple[str, ...]) -> None:
    code, out, err = run(*args, stack, "-p", OWNERS)
    assert (code, out, err) == (0, FINDING + "\n", "")


def test_quiet_with_nothing_found_prints_nothing(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse, owner: data}\n")
    assert run("check", "-q", "s.yaml", "-p", OWNERS) == (0, "", "")


def test_quiet_still_shows_errors(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: gpu}\n")
    code, out, err = run("check", "-q", "s.yaml", "-p", OWNERS)
    assert (code, out) == (2, "")
    assert err.startswith("s.yaml:5:22: components[0].kind: unknown kind 'gpu'")


@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_says_what_was_read_and_what_ran(stack: str, where: str) -> None:
    args = ["-v", "check", stack] if where == "before" else ["check", "-v", stack]
    code, out, err = run(*args, "-p", OWNERS)
    assert code == 0 and out.endswith(SUMMARY + "\n")
    lines = err.splitlines()
    assert lines[:2] == [
        "stackpolicy: read s.yaml",
        "stackpolicy: policies loaded: 3 (SP-REF-001, SP-REF-002, T-OWN-001)",
    ]
    assert lines[2].startswith("stackpolicy: engine ") and "; components: 1;" in lines[2]
    assert [line.split()[1] for line in lines[3:]] == ["load", "compile", "evaluate"]


def test_report_to_a_file_puts_a_summary_on_stderr(stack: str) -> None:
    code, out, err = run("check", stack, "-p", OWNERS, "-o", "report.json", "-f", "json")
    assert (code, out) == (0, "")
    assert err == f"stackpolicy: {SUMMARY} Report: report.json\n"
    assert json.loads(Path("report.json").read_text())["findings"][0]["policy_id"] == "T-OWN-001"


def test_quiet_drops_the_summary_on_stderr(stack: str) -> None:
    assert run("check", "-q", stack, "-p", OWNERS, "-o", "r.txt") == (0, "", "")
    assert Path("r.txt").read_text() == f"{FINDING}\n\n{SUMMARY}\n"  # the file keeps it


def test_several_reports_in_one_run(stack: str) -> None:
    code, out, err = run(
        "check",
        stack,
        "-p",
        OWNERS,
        "--sarif-output",
        "out/s.sarif",
        "--json-output",
        "out/s.json",
        "--markdown-output",
        "summary.md",
        "--fail-on",
        "warning",
    )
    assert (code, out, err) == (1, f"{FINDING}\n\n{SUMMARY}\n", "")
    sarif = json.loads(Path("out/s.sarif").read_text())
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["T-OWN-001"]
    assert json.loads(Path("out/s.json").read_text())["findings"][0]["component"] == "wh"
    assert "| 🟠 warning | T-OWN-001 | s.yaml:5:12 |" in Path("summary.md").read_text()


def test_a_copy_in_the_primary_format_to_a_file(stack: str) -> None:
    code, out, _ = run("check", stack, "-p", OWNERS, "-f", "sarif", "--text-output", "r.txt")
    assert code == 0 and json.loads(out)["version"] == "2.1.0"
    assert Path("r.txt").read_text() == f"{FINDING}\n\n{SUMMARY}\n"  # never coloured


@pytest.mark.parametrize(
    ("args", "env", "colored"),
    [
        ((), {}, False),  # CliRunner's stdout is no terminal
        (("--color",), {}, True),
        (("--no-color",), {"FORCE_COLOR": "1"}, False),
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": ""}, False),  # empty means unset
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins
        (("--color",), {"NO_COLOR": "1"}, True),  # the command line wins over both
    ],
)
def test_color(stack: str, args: tuple[str, ...], env: dict[str, str], colored: bool) -> None:
    environment = {"NO_COLOR": "", "FORCE_COLOR": "", **env}
    _, out, _ = run("check", *args, stack, "-p", OWNERS, env=environment)
    assert (RED_WARNING in out) is colored
    assert out.replace(RED_WARNING, "warning").replace("\x1b[1mT-OWN-001\x1b[0m", "T-OWN-001") == (
        f"{FINDING}\n\n{SUMMARY}\n"
    )


def test_color_before_the_command_counts_too(stack: str) -> None:
    _, out, _ = run("--color", "check", stack, "-p", OWNERS, env={"NO_COLOR": "1"})
    assert RED_WARNING in out


def test_a_report_file_is_never_coloured(stack: str) -> None:
    run("check", "--color", stack, "-p", OWNERS, "-o", "r.txt")
    assert "\x1b" not in Path("r.txt").read_text()


def test_quiet_before_test_is_test_quiet() -> None:
    code, out, _ = run("-q", "test")
    assert code == 0
    assert out.splitlines()[-1].endswith("passed, 0 failed, 0 could not run.")
    assert "  pass  " not in out  # only the cases that did not pass


def test_quiet_baseline_says_nothing(stack: str) -> None:
    assert run("baseline", "-q", stack, "-p", OWNERS, "-o", "b.json") == (0, "", "")
    assert json.loads(Path("b.json").read_text())["findings"][0]["policy"] == "T-OWN-001"
