"""A usage error is one line on stderr saying what is wrong and where the
help is, exit 2, as every expected error; --help, --version and a bare
`stackpolicy` still show click's help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from stackpolicy.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), prog_name="stackpolicy")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("check", "--nope"), "No such option '--nope' (stackpolicy check --help)"),
        (
            ("check", "--fail-on", "warn"),
            "Invalid value for '--fail-on': 'warn' is not one of 'error', 'warning', 'note' "
            "(stackpolicy check --help)",
        ),
        (("explain",), "Missing argument 'ID' (stackpolicy explain --help)"),
        (("nope",), "No such command 'nope' (stackpolicy --help)"),
        (
            ("check", "missing.yaml"),
            "Invalid value for '[PATHS]...': Path 'missing.yaml' does not exist "
            "(stackpolicy check --help)",
        ),
        (
            ("check", "--verbos"),
            "No such option '--verbos'. Did you mean '--verbose'? (stackpolicy check --help)",
        ),
    ],
)
def test_usage_errors_are_one_line(
    args: tuple[str, ...], line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(*args)
    assert (code, out) == (2, "")
    assert err == f"<command line>:1:1: {line}\n"


def test_help_and_version_still_work() -> None:
    code, out, _ = run("check", "--help")
    assert code == 0 and out.startswith("Usage: stackpolicy check [OPTIONS] [PATHS]...")
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("stackpolicy, version ")


def test_a_bare_stackpolicy_shows_the_help() -> None:
    # As a real process: click's "no command" help is decided in main().
    done = subprocess.run(
        [sys.executable, "-m", "stackpolicy"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "Commands:" in done.stdout + done.stderr


def test_version_alone_is_answered_before_click_in_its_words() -> None:
    # `stackpolicy --version` alone skips click (start-up time); it must say
    # what click's version option says, and other arguments still go to click.
    probe = (
        "import sys\n"
        "sys.argv = ['stackpolicy', *sys.argv[1:]]\n"
        "from stackpolicy.__main__ import run\n"
        "try:\n"
        "    run()\n"
        "finally:\n"
        "    print('click' in sys.modules, file=sys.stderr)\n"
    )
    fast = subprocess.run(
        [sys.executable, "-c", probe, "--version"], capture_output=True, text=True, check=False
    )
    code, out, _ = run("--version")
    assert (fast.returncode, fast.stdout, fast.stderr) == (code, out, "False\n")
    slow = subprocess.run(
        [sys.executable, "-c", probe, "--debug", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (slow.returncode, slow.stdout, slow.stderr) == (code, out, "True\n")
