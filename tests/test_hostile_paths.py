"""Issue 13, paths: an error never shows an absolute path the user did not
type, nor a symlink's target instead of the symlink."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import OWNERS
from stackpolicy.cli import main
from stackpolicy.resources import display_path

Write = Callable[[str, str], Path]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symlinks")


def test_a_dangling_symlink_from_a_glob_is_shown_as_matched(write: Write, tmp_path: Path) -> None:
    write(".stackpolicy.yaml", "stack: ['stack/*.yaml']\n")
    Path("stack").mkdir()
    os.symlink(tmp_path / "gone" / "x.yaml", "stack/a.yaml")
    result = CliRunner().invoke(main, ["check", "-p", OWNERS])
    assert result.exit_code == 2
    assert result.stderr == "stack/a.yaml:1:1: no such file or directory: stack/a.yaml\n"


def test_a_symlink_is_shown_as_itself(write: Write, tmp_path: Path) -> None:
    write("real/x.yaml", "a: 1\n")
    os.symlink(tmp_path / "real" / "x.yaml", "link.yaml")
    assert display_path(Path("link.yaml")) == "link.yaml"
    assert display_path(tmp_path / "link.yaml") == "link.yaml"
    assert display_path(Path("real/../link.yaml")) == "link.yaml"
    assert display_path(Path(".")) == "."
