"""Issue 13, writes: `-o` replaces only a regular file, and output files get
the mode the umask (or the file they replace) says."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import OWNERS, STACK_HEAD
from stackpolicy.cli import main
from stackpolicy.errors import UsageError
from stackpolicy.fileio import write_atomic

Write = Callable[[str, str], Path]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes, FIFOs and symlinks")


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture
def stack(write: Write) -> str:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream}\n")
    return "s.yaml"


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    previous = os.umask(0o022)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(previous)


def test_output_onto_a_fifo_is_refused(stack: str) -> None:
    os.mkfifo("pipe")
    result = invoke("check", stack, "-p", OWNERS, "--no-config", "-o", "pipe")
    assert result.exit_code == 2
    assert result.stderr == "pipe:1:1: cannot write: it is a FIFO, not a regular file\n"
    assert stat.S_ISFIFO(os.lstat("pipe").st_mode)


@pytest.mark.parametrize("command", ["check", "audit", "baseline"])
def test_output_onto_a_symlink_is_refused(stack: str, write: Write, command: str) -> None:
    write("target.txt", "keep me\n")
    os.symlink("target.txt", "out.txt")
    result = invoke(command, stack, "-p", OWNERS, "--no-config", "-o", "out.txt")
    assert result.exit_code == 2
    assert result.stderr.endswith(
        "out.txt:1:1: cannot write: it is a symbolic link, not a regular file\n"
    )
    assert os.readlink("out.txt") == "target.txt"
    assert Path("target.txt").read_text() == "keep me\n"
    assert [p.name for p in Path().iterdir() if p.name.endswith(".tmp")] == []


def test_output_onto_a_device_is_refused(stack: str) -> None:
    # A node of our own like /dev/null (1, 3): as root, a regression must not
    # be able to replace the real one.
    try:
        os.mknod("null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here")
    result = invoke("check", stack, "-p", OWNERS, "--no-config", "-o", "null")
    assert result.exit_code == 2
    assert result.stderr == "null:1:1: cannot write: it is a character device, not a regular file\n"
    assert stat.S_ISCHR(os.lstat("null").st_mode)


def test_a_directory_is_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("d").mkdir()
    with pytest.raises(UsageError, match=r"^d:1:1: cannot write: it is a directory, not a regular"):
        write_atomic(Path("d"), "x")


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_new_file_honours_the_umask(
    stack: str, umask: Callable[[int], None], mask: int, mode: int
) -> None:
    umask(mask)
    result = invoke("check", stack, "-p", OWNERS, "--no-config", "-o", "report.txt")
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE(os.stat("report.txt").st_mode) == mode


@pytest.mark.parametrize("mode", [0o600, 0o644, 0o640])
def test_a_replaced_file_keeps_its_mode(
    write: Write, umask: Callable[[int], None], mode: int
) -> None:
    umask(0o077)
    path = write("report.txt", "old\n")
    path.chmod(mode)
    write_atomic(path, "new\n")
    assert path.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == mode
