"""The cache of what the dialect check made of a policy: a warm run never
parses, gives the same bytes as a cold one, and a bad or foreign entry is
never trusted."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from stackpolicy import cel
from stackpolicy.cel import CelCompileError, PolicySource, checked_cache, dialect
from stackpolicy.cli import main

SOURCE = PolicySource(
    "K", "component", (("n", "size(component.name)"),), {"assert": "variables.n > 0"}
)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The cache on, in a temporary directory, for the command line (its
    environment) and for the backend called directly."""
    monkeypatch.delenv("STACKPOLICY_NO_CACHE", raising=False)
    monkeypatch.setenv("STACKPOLICY_CACHE_DIR", str(tmp_path / "cache"))
    checked_cache.use(tmp_path / "cache")
    yield tmp_path / "cache"
    checked_cache.use(None)


def _no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the dialect check ran on a warm cache")

    monkeypatch.setattr(dialect, "check", refuse)


def test_a_warm_run_gives_the_same_bytes_without_parsing(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["check", str(EXAMPLES / "acme"), "--engine", "cel-expr", "--format", "json"]
    cold = CliRunner().invoke(main, args)
    assert cold.exit_code == 1, cold.output
    assert len(list((cache_dir / "checked").iterdir())) >= 30  # one per bundled policy
    _no_parsing(monkeypatch)
    warm = CliRunner().invoke(main, args)
    assert warm.exit_code == 1, warm.output
    assert warm.stdout == cold.stdout


def test_an_entry_holds_the_rewritten_text(cache_dir: Path) -> None:
    cel.backend("cel-expr").compile(SOURCE)
    assert checked_cache.load(SOURCE) == checked_cache.Checked(
        (("n", "size(component.name)"),), {"assert": "variables.n > 0"}, sees_components=False
    )
    other = PolicySource("K", "stack", (), {"assert": "stack.components.all(x, x.name != '')"})
    cel.backend("cel-expr").compile(other)
    checked = checked_cache.load(other)
    assert checked is not None
    assert "sp_range" in checked.parts["assert"]  # the rewrite, not the text as written
    assert checked.sees_components


def test_a_policy_that_fails_the_check_is_not_kept(cache_dir: Path) -> None:
    bad = PolicySource("K", "component", (), {"assert": "component.name.nosuch()"})
    for _ in range(2):
        with pytest.raises(CelCompileError):
            cel.backend("cel-expr").compile(bad)
    assert checked_cache.load(bad) is None


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        '{"variables": [], "parts": {"assert": "true"}}',  # a variable missing
        '{"variables": [["m", "1"]], "parts": {"assert": "true"}}',  # another variable
        '{"variables": [["n", "1"]], "parts": {"other": "true"}}',  # another part
        '{"variables": [["n", 1]], "parts": {"assert": 2}}',
        '{"variables": [["n", "1"]], "parts": {"assert": "true"}, "sees_components": 1}',
        '{"variables": [["n", "1"]], "parts": {"assert": "true"}}',  # an older entry
        '["a list"]',
    ],
)
def test_a_foreign_entry_is_ignored(cache_dir: Path, content: str) -> None:
    cel.backend("cel-expr").compile(SOURCE)
    (entry,) = (cache_dir / "checked").iterdir()
    entry.write_text(content, encoding="utf-8")
    assert checked_cache.load(SOURCE) is None
    cel.backend("cel-expr").compile(SOURCE)  # checked again, and kept again
    assert checked_cache.load(SOURCE) is not None


def test_an_entry_that_is_not_a_regular_file_is_ignored(cache_dir: Path, tmp_path: Path) -> None:
    cel.backend("cel-expr").compile(SOURCE)
    (entry,) = (cache_dir / "checked").iterdir()
    target = tmp_path / "elsewhere.json"
    entry.replace(target)
    entry.symlink_to(target)
    assert checked_cache.load(SOURCE) is None
    cel.backend("cel-expr").compile(SOURCE)
    assert entry.is_symlink()  # never replaced
    os.truncate(target, checked_cache.MAX_ENTRY_BYTES + 1)
    target.replace(entry)
    assert checked_cache.load(SOURCE) is None


def test_a_cache_that_cannot_be_written_costs_only_time(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    checked_cache.use(blocker / "cache")
    try:
        cel.backend("cel-expr").compile(SOURCE)
        assert checked_cache.load(SOURCE) is None
    finally:
        checked_cache.use(None)


def test_off_unless_the_command_line_says_where(tmp_path: Path) -> None:
    checked_cache.use(None)
    cel.backend("cel-expr").compile(SOURCE)
    assert checked_cache.load(SOURCE) is None


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--cache-dir", "/c"], {}, Path("/c")),
        ([], {"STACKPOLICY_CACHE_DIR": "/c"}, Path("/c")),
        (["--no-cache", "--cache-dir", "/c"], {}, None),
        ([], {"STACKPOLICY_NO_CACHE": "1", "STACKPOLICY_CACHE_DIR": "/c"}, None),
        ([], {"XDG_CACHE_HOME": "/x", "HOME": "/h"}, Path("/x/stackpolicy")),
        ([], {"XDG_CACHE_HOME": "relative", "HOME": "/h"}, Path("/h/.cache/stackpolicy")),
        ([], {"HOME": "/h"}, Path("/h/.cache/stackpolicy")),
    ],
)
def test_where_the_command_line_keeps_it(
    monkeypatch: pytest.MonkeyPatch, args: list[str], env: dict[str, str], expected: Path | None
) -> None:
    for name in ("STACKPOLICY_NO_CACHE", "STACKPOLICY_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    seen: list[Path | None] = []
    monkeypatch.setattr(checked_cache, "use", seen.append)
    result = CliRunner().invoke(main, [*args, "rules", "--no-config"])
    assert result.exit_code == 0, result.output
    assert seen == [expected]


def _entry_of(cache_dir: Path) -> Path:
    cel.backend("cel-expr").compile(SOURCE)
    (entry,) = (cache_dir / "checked").iterdir()
    return entry


def test_entries_are_private(cache_dir: Path) -> None:
    entry = _entry_of(cache_dir)
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.parent.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("writable", [0o020, 0o002])
def test_what_others_may_change_is_not_trusted(cache_dir: Path, writable: int) -> None:
    entry = _entry_of(cache_dir)
    entry.chmod(0o600 | writable)
    assert checked_cache.load(SOURCE) is None
    entry.chmod(0o600)
    assert checked_cache.load(SOURCE) is not None
    entry.parent.chmod(0o700 | writable)
    assert checked_cache.load(SOURCE) is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_an_entry_another_user_owns_is_not_trusted(cache_dir: Path) -> None:
    entry = _entry_of(cache_dir)
    os.chown(entry, 65534, -1)
    assert checked_cache.load(SOURCE) is None


def test_a_deeply_nested_entry_is_ignored(cache_dir: Path) -> None:
    entry = _entry_of(cache_dir)
    entry.write_text("[" * 100_000, encoding="utf-8")
    assert checked_cache.load(SOURCE) is None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_entry_is_ignored_without_waiting(cache_dir: Path) -> None:
    entry = _entry_of(cache_dir)
    entry.unlink()
    os.mkfifo(entry, 0o600)
    assert checked_cache.load(SOURCE) is None  # would block for ever on a plain open
