"""Paths as reports show them: each answer belongs to the working directory
it was asked in (relative_uri remembers its answers)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackpolicy.location import Location
from stackpolicy.paths import relative_uri


def test_a_relative_base_dir_is_read_from_each_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a" / "repo" / "x").mkdir(parents=True)
    (tmp_path / "b" / "repo" / "y").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "a")
    assert relative_uri(Location("repo/x/s.yaml"), Path("repo")) == "x/s.yaml"
    monkeypatch.chdir(tmp_path / "b")
    assert relative_uri(Location("repo/x/s.yaml"), Path("repo")) == "x/s.yaml"
    assert relative_uri(Location("repo/y/s.yaml"), Path("repo")) == "y/s.yaml"


def test_the_repository_root_is_found_from_each_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "one" / ".git").mkdir(parents=True)
    (tmp_path / "one" / "stacks").mkdir()
    (tmp_path / "two" / ".git").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "one" / "stacks")
    assert relative_uri(Location("s.yaml"), None) == "stacks/s.yaml"
    monkeypatch.chdir(tmp_path / "two")
    assert relative_uri(Location("s.yaml"), None) == "s.yaml"


def test_places_outside_the_repository_are_kept() -> None:
    assert relative_uri(Location("stackpolicy:policies/a.yaml"), None) == (
        "stackpolicy:policies/a.yaml"
    )
    assert relative_uri(Location.nowhere("command line"), None) == "<command line>"
