"""Issue 13, files: only regular files are read, and every read is bounded.
A FIFO would hang the run, /dev/zero would exhaust memory (its size is 0)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import OWNERS, STACK_HEAD
from stackpolicy.cli import main
from stackpolicy.errors import ConfigError, YamlError
from stackpolicy.yamlload import read_text

Write = Callable[[str, str], Path]

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail, rather than hang, if a read blocks."""

    def stop(*_: Any) -> None:
        raise TimeoutError("the read blocked")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def fifo(write: Write) -> str:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream, owner: a}\n")
    os.mkfifo("pipe")
    return "pipe"


@pytest.mark.parametrize(
    "args",
    [
        ["s.yaml", "--config", "pipe"],
        ["s.yaml", "--no-config", "--baseline", "pipe"],
        ["pipe", "--no-config"],
    ],
    ids=["config", "baseline", "stack"],
)
def test_a_fifo_is_refused_at_once(fifo: str, args: list[str]) -> None:
    result = invoke("check", *args)
    assert result.exit_code == 2
    assert "pipe:1:1: not a regular file: a FIFO\n" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_a_fifo_waivers_file_is_refused(fifo: str, write: Write) -> None:
    write(".stackpolicy.yaml", "waivers_file: pipe\n")
    result = invoke("check", "s.yaml", "-p", OWNERS)
    assert result.exit_code == 2
    assert result.stderr == "pipe:1:1: not a regular file: a FIFO\n"


def test_a_directory_is_not_a_file(write: Write) -> None:
    Path("d").mkdir()
    with pytest.raises(YamlError, match="not a regular file: a directory"):
        read_text(Path("d"), "d")


@pytest.mark.parametrize("error", [YamlError, ConfigError])
def test_dev_zero_is_refused(error: type[YamlError]) -> None:
    with pytest.raises(error) as raised:
        read_text(Path("/dev/zero"), "/dev/zero", error)
    assert str(raised.value) == "/dev/zero:1:1: not a regular file: a character device"


def test_a_symlink_to_a_regular_file_is_read(write: Write) -> None:
    write("real.yaml", "a: 1\n")
    os.symlink("real.yaml", "link.yaml")
    assert read_text(Path("link.yaml"), "link.yaml") == "a: 1\n"


@pytest.mark.parametrize("option", ["--config", "--baseline"])
def test_dev_zero_on_the_command_line(write: Write, option: str) -> None:
    # In a child process with a memory cap, so that a regression fails the
    # test instead of exhausting the machine.
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream, owner: a}\n")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from stackpolicy.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    args = ["check", "s.yaml", "-p", OWNERS, option, "/dev/zero"]
    result = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.endswith("/dev/zero:1:1: not a regular file: a character device\n")


def test_a_deeply_nested_baseline_is_an_error_not_a_crash(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream}\n")
    write("base.json", "[" * 100_000 + "]" * 100_000)
    result = invoke("check", "s.yaml", "-p", OWNERS, "--no-config", "--baseline", "base.json")
    assert result.exit_code == 2
    assert result.stderr == "base.json:1:1: not a stackpolicy baseline: JSON nested too deeply\n"


def test_a_malformed_baseline_names_the_place(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream}\n")
    write("base.json", '{\n  "version": 1,\n  "findings": [}\n')
    result = invoke("check", "s.yaml", "-p", OWNERS, "--no-config", "--baseline", "base.json")
    assert result.exit_code == 2
    assert result.stderr == "base.json:3:16: not a stackpolicy baseline: Expecting value\n"


def test_a_baseline_too_large_is_refused(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream}\n")
    write("base.json", '{"version": 1, "findings": []}' + " " * 2_200_000)
    monkeypatch.setenv("STACKPOLICY_MAX_FILE_MB", "2")
    result = invoke("check", "s.yaml", "-p", OWNERS, "--no-config", "--baseline", "base.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("base.json:1:1: file is 2 MiB, more than the 2 MiB")


def test_a_fifo_given_as_policies_is_not_a_regular_file(fifo: str) -> None:
    result = invoke("check", "s.yaml", "-p", fifo, "--no-config")
    assert result.exit_code == 2
    assert result.stderr == f"{fifo}:1:1: not a regular file: {fifo}\n"
