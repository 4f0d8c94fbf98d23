"""The pre-commit hooks, for real: `pre-commit try-repo` against this checkout.

Slow (pre-commit builds a virtualenv and installs stackpolicy into it); set
STACKPOLICY_SKIP_SLOW=1 to skip it locally. .ci/run always runs it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        bool(os.environ.get("STACKPOLICY_SKIP_SLOW")), reason="STACKPOLICY_SKIP_SLOW"
    ),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git"),
]

VIOLATING = """\
apiVersion: stackpolicy/v1
kind: Stack
metadata: {name: demo, org: demo}
components:
  - {name: chatbot, kind: inference-service, owner: support}
"""
FIXED = (
    VIOLATING + "  - {name: chatbot-monitor, kind: monitor, owner: support, targets: [chatbot]}\n"
)

POLICY = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: DEMO-001
    title: Services are monitored
    description: d
    severity: error
    layer: inference
    scope: component
    kinds: [inference-service]
    assert: component.referrers.targets.exists(n, stack.by_name[n].kind == 'monitor')
    message: component.name + ' has no monitor'
"""


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "infra"
    (repo / "stack").mkdir(parents=True)
    (repo / "policies").mkdir()
    (repo / "stack" / "ai.yaml").write_text(VIOLATING)
    (repo / "stack" / "data.yaml").write_text(
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents:\n"
        "  - {name: warehouse, kind: warehouse, owner: data}\n"
    )
    (repo / "policies" / "demo.yaml").write_text(POLICY)
    (repo / ".stackpolicy.yaml").write_text(
        "stack: [stack/]\npolicies:\n  bundled: false\n  paths: [policies/]\n"
    )
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT}\n    rev: HEAD\n    hooks:\n      - id: stackpolicy\n"
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    return repo


def try_repo(repo: Path, home: Path, hook: str, *files: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), hook, "--files", *files],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_hook_fails_on_a_violation_and_passes_after_the_fix(
    repo: Path, pre_commit_home: Path
) -> None:
    failed = try_repo(repo, pre_commit_home, "stackpolicy", "stack/ai.yaml")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "stack/ai.yaml:5:12: error DEMO-001 chatbot has no monitor" in failed.stdout
    (repo / "stack" / "ai.yaml").write_text(FIXED)
    git(repo, "add", "-A")
    passed = try_repo(repo, pre_commit_home, "stackpolicy", "stack/ai.yaml")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_changing_another_file_does_not_report_this_ones_findings(
    repo: Path, pre_commit_home: Path
) -> None:
    result = try_repo(repo, pre_commit_home, "stackpolicy", "stack/data.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_validate_hook(repo: Path, pre_commit_home: Path) -> None:
    (repo / "stack" / "ai.yaml").write_text(
        VIOLATING + "  - {name: etl, kind: pipeline, owner: data, depends_on: [nowhere]}\n"
    )
    git(repo, "add", "-A")
    result = try_repo(repo, pre_commit_home, "stackpolicy-validate", "stack/ai.yaml")
    assert result.returncode == 1
    assert "SP-REF-001 etl (pipeline): depends_on 'nowhere' is not a component" in result.stdout


def test_a_commit_that_changes_only_a_policy_rechecks_the_whole_stack(
    repo: Path, pre_commit_home: Path
) -> None:
    """The stack passes until a policy tightens; then the policy's commit fails."""
    (repo / "stack" / "ai.yaml").write_text(FIXED)
    git(repo, "add", "-A")
    assert try_repo(repo, pre_commit_home, "stackpolicy", "stack/ai.yaml").returncode == 0
    stricter = POLICY + (
        "  - id: DEMO-002\n    title: Warehouses are owned by data\n    description: d\n"
        "    severity: error\n    layer: data-platform\n    scope: component\n"
        "    kinds: [warehouse]\n    assert: component.owner == 'platform'\n"
        "    message: component.name + ' is not owned by platform'\n"
    )
    (repo / "policies" / "demo.yaml").write_text(stricter)
    (repo / ".stackpolicy.yaml").write_text(
        "stack: [stack/]\nformat: sarif\npolicies:\n  bundled: false\n  paths: [policies/]\n"
    )
    (repo / "stack" / "chart.yaml").write_text("metadata:\n  name: {{ .Values.name }}\n")
    git(repo, "add", "-A")
    result = try_repo(
        repo, pre_commit_home, "stackpolicy", "policies/demo.yaml", "stack/chart.yaml"
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "stack/data.yaml:4:12: error DEMO-002 warehouse is not owned by platform" in (
        result.stdout
    )
    assert '"$schema"' not in result.stdout  # text, not the configured SARIF
