"""Shared fixtures. Run `pytest --update-golden` to rewrite the golden files."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stackpolicy import cel
from stackpolicy.cel import AnyBackend

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"
# A one-policy library, for tests that must not change when the bundled one grows.
OWNERS = str(Path(__file__).resolve().parent / "fixtures" / "policies" / "owners.yaml")

# The README's test command runs a quick set; CI runs everything at full strength.
# CI=true is set by CI services (and .ci/run sets STACKPOLICY_FULL=1 as well).
FULL_STRENGTH = os.environ.get("CI", "").lower() not in ("", "0", "false") or bool(
    os.environ.get("STACKPOLICY_FULL")
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Locally, the first test of each slow module runs (one wheel install, one
    pre-commit run) and the rest are skipped; CI runs them all."""
    if FULL_STRENGTH:
        return
    quick = pytest.mark.skip(reason="quick run: CI=true or STACKPOLICY_FULL=1 runs every slow test")
    seen: set[Path] = set()
    for item in items:
        if item.get_closest_marker("slow") is None:
            continue
        if item.path in seen:
            item.add_marker(quick)
        seen.add(item.path)


# Tests check the dialect on every compile, and the command line they run
# keeps nothing in the user's cache; tests/cel/test_checked_cache.py turns
# the cache on where it is the subject.
os.environ["STACKPOLICY_NO_CACHE"] = "1"


def examples(full: int) -> int:
    """Hypothesis examples for a slow property: `full` in CI, a quarter locally.
    Every property still runs locally; CI searches deeper."""
    return full if FULL_STRENGTH else max(10, full // 4)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files")


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run with the repository root as the working directory (paths in output are relative)."""
    monkeypatch.chdir(ROOT)
    yield ROOT


@pytest.fixture
def write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Write a dedented file under a temporary working directory."""
    monkeypatch.chdir(tmp_path)

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return Path(name)

    return _write


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME, or rewrite it with --update-golden."""
    update = request.config.getoption("--update-golden") or os.environ.get("UPDATE_GOLDEN")

    def _check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        assert actual == path.read_text(encoding="utf-8")

    return _check


STACK_HEAD = """\
apiVersion: stackpolicy/v1
kind: Stack
metadata: {name: test, org: test}
components:
"""


def default_backend() -> AnyBackend:
    """The backend CI asked for ($STACKPOLICY_ENGINE, as the CLI reads it), else auto."""
    return cel.backend(os.environ.get("STACKPOLICY_ENGINE", "auto"))
