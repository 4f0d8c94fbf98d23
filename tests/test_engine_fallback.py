"""Where cel-expr-python does not install (Alpine's musl, glibc before 2.27,
other CPUs), `--engine auto` runs on celpy, and asking for cel-expr by name is
a one-line error. Run in a fresh process in which cel_expr_python cannot be
imported, as on such a machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, GOLDEN, ROOT

# sys.modules[name] = None makes `import name` raise ImportError, as when the
# package is missing.
WITHOUT_CEL_EXPR = (
    "import sys; sys.modules['cel_expr_python'] = None; "
    "from stackpolicy.cli import main; main(sys.argv[1:], prog_name='stackpolicy')"
)


def stackpolicy_without_cel_expr(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_CEL_EXPR, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


def test_auto_falls_back_to_celpy(tmp_path: Path) -> None:
    done = stackpolicy_without_cel_expr(
        "check", "-v", str(EXAMPLES / "clean"), "--engine", "auto", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "stackpolicy: engine celpy;" in done.stderr
    assert done.stdout == (GOLDEN / "check-clean.txt").read_text(encoding="utf-8")


def test_asking_for_cel_expr_by_name_says_it_is_missing(tmp_path: Path) -> None:
    done = stackpolicy_without_cel_expr(
        "check", str(EXAMPLES / "clean"), "--engine", "cel-expr", cwd=tmp_path
    )
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert line.startswith("<command line>:1:1: CEL backend 'cel-expr' is not installed")


def test_the_findings_are_the_golden_ones_without_cel_expr() -> None:
    done = stackpolicy_without_cel_expr("check", "examples/acme", "-f", "json", cwd=ROOT)
    assert done.returncode == 1, done.stderr
    assert done.stdout == (GOLDEN / "check-acme.json").read_text(encoding="utf-8")
