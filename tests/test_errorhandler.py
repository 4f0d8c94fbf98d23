"""Exit codes: 2 for expected errors, 3 for bugs (never 1), 130 for Ctrl-C."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from stackpolicy import pipeline
from stackpolicy.cli import main
from stackpolicy.errorhandler import run_command
from stackpolicy.errors import UsageError
from stackpolicy.location import Location


def crash() -> int:
    raise RuntimeError("boom\nsecond line")


def test_a_bug_exits_3_with_one_line_and_the_traceback_in_a_log(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_command(crash) == 3
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("stackpolicy: internal error (a bug in stackpolicy): RuntimeError: ")
    assert "boom\\nsecond line" in line
    log = Path(re.search(r"the traceback is in (\S+) ", line).group(1))  # type: ignore[union-attr]
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    log.unlink()


def test_debug_prints_the_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_command(crash, debug=True) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert err.splitlines()[-1].endswith("the traceback is above; please report it")


@pytest.mark.parametrize(
    ("raised", "code", "message"),
    [
        (KeyboardInterrupt(), 130, "stackpolicy: interrupted"),
        (UsageError("bad", Location.nowhere("command line")), 2, "<command line>:1:1: bad"),
        (
            BrokenPipeError(),
            2,
            "stackpolicy: output closed before the report was written (broken pipe)",
        ),
        (OSError(28, "No space left on device"), 2, "stackpolicy: cannot write the output: "),
    ],
)
def test_expected_endings(
    raised: BaseException, code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    def command() -> int:
        raise raised

    assert run_command(command) == code
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(message)


@pytest.mark.usefixtures("in_root")
def test_a_crash_in_the_pipeline_is_exit_3_not_findings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "check", lambda settings: crash())
    result = CliRunner().invoke(main, ["check", str(ROOT / "examples" / "acme")])
    assert result.exit_code == 3
    assert len(result.stderr.splitlines()) == 1
    Path(re.search(r"in (\S+) \(", result.stderr).group(1)).unlink()  # type: ignore[union-attr]
