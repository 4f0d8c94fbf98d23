"""Finding input files: each file once, and a symlink loop ends."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from conftest import STACK_HEAD
from stackpolicy.inputs import load_stack
from stackpolicy.inputs.files import find_files

Write = Callable[[str, str], Path]

ONE = STACK_HEAD + "  - {name: a, kind: warehouse}\n"


def test_a_symlink_loop_is_walked_once(write: Write) -> None:
    write("stack/s.yaml", ONE)
    os.symlink("..", "stack/loop")  # stack/loop/stack/loop/... points back up
    os.symlink(".", "stack/self")
    found = [f.display for f in find_files([Path("stack")], (".yaml",))]
    assert found == ["stack/s.yaml"]


def test_a_file_named_twice_is_read_once(write: Write) -> None:
    write("stack/s.yaml", ONE)
    os.symlink("s.yaml", "stack/alias.yaml")
    loaded = load_stack([Path("stack"), Path("stack/s.yaml"), Path("stack/alias.yaml")])
    assert loaded.errors == ()  # no "duplicate component name 'a'" from reading it again
    assert [c.name for c in loaded.stack.components] == ["a"]
    assert loaded.stack.files == ("stack/alias.yaml",)  # sorted walk: the link comes first


def test_hidden_files_and_directories_are_skipped(write: Write) -> None:
    write("stack/s.yaml", ONE)
    write("stack/.hidden.yaml", "not: [valid")
    write("stack/.git/x.yaml", "not: [valid")
    assert [f.display for f in find_files([Path("stack")], (".yaml",))] == ["stack/s.yaml"]
