"""The built wheel carries the bundled library and schemas and works from anywhere.

Slow (builds a wheel, installs it into a fresh venv); set STACKPOLICY_SKIP_SLOW=1
to skip it locally. .ci/run always runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import EXAMPLES, ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("STACKPOLICY_SKIP_SLOW")), reason="STACKPOLICY_SKIP_SLOW"
    ),
]


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, check=False, timeout=600
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    built = run(sys.executable, "-m", "build", "--wheel", "--outdir", work / "dist", ROOT, cwd=work)
    assert built.returncode == 0, built.stderr[-2000:]
    [wheel] = (work / "dist").glob("stackpolicy-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    _requires_cel_expr_where_it_installs(wheel)
    assert "stackpolicy/_data/schemas/stack-manifest.schema.json" in names
    assert any(n.startswith("stackpolicy/_data/policies/") for n in names)
    assert "stackpolicy/starters/default/stackpolicy.yaml" in names  # for `init`
    venv = work / "venv"
    assert run(sys.executable, "-m", "venv", venv, cwd=work).returncode == 0
    pip = run(venv / "bin" / "pip", "install", "--quiet", wheel, cwd=work)
    assert pip.returncode == 0, pip.stderr[-2000:]
    return venv / "bin" / "stackpolicy"


def _requires_cel_expr_where_it_installs(wheel: Path) -> None:
    """hatch_build.py: tagged for this machine and requiring cel-expr-python
    where cel-expr-python has a wheel, else py3-none-any without it."""
    sys.path.insert(0, str(ROOT))
    from packaging.tags import sys_tags

    import hatch_build

    tag = hatch_build.wheel_tag(None, (str(t) for t in sys_tags()))
    assert wheel.name == f"stackpolicy-0.1.0-{tag}.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("stackpolicy-0.1.0.dist-info/METADATA").decode()
    requires = "Requires-Dist: cel-expr-python" in metadata
    assert requires is (tag != hatch_build.GENERIC)


def test_installed_wheel_checks_an_example_from_another_directory(
    installed: Path, tmp_path: Path
) -> None:
    shutil.copytree(EXAMPLES / "acme", tmp_path / "acme")
    result = run(installed, "check", "acme", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "acme/serving.yaml:13:11: error SP-INF-001 support-chatbot" in result.stdout
    checked = re.search(r"(\d+) policies checked", result.stdout)
    assert checked and int(checked.group(1)) >= 30  # the bundled library came along
    assert result.stderr == ""


def test_installed_wheel_starts_a_repository(installed: Path, tmp_path: Path) -> None:
    assert run(installed, "init", cwd=tmp_path).returncode == 0
    result = run(installed, "check", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")


def test_installed_wheel_prints_schemas(installed: Path, tmp_path: Path) -> None:
    result = run(installed, "schema", "policy", cwd=tmp_path)
    assert result.returncode == 0
    assert '"title": "stackpolicy policy file (v1)"' in result.stdout
