"""The drift rules and `--discover`, as a user runs them: a manifest, some
infrastructure code, `stackpolicy check --discover`; each case says which
findings appear and where."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackpolicy.cli import main

MAIN_TF = """\
resource "pinecone_index" "search" {
  name = "product-search"
  tags = { owner = "search" }
}

resource "pinecone_index" "shadow" {
  name = "shadow-index"
}
"""

QDRANT = """\
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: qdrant
  namespace: marketing
spec:
  template:
    spec:
      containers:
        - name: qdrant
          image: qdrant/qdrant:v1.9.0
"""

STACK = """\
apiVersion: stackpolicy/v1
kind: Stack
components:
  - name: product-search
    kind: vector-store
    vendor: pinecone
    owner: platform
    source: terraform:pinecone_index.search
  - name: old-index
    kind: vector-store
    owner: platform
    source: terraform:pinecone_index.removed
  - name: qdrant
    kind: vector-store
    owner: marketing
"""


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(MAIN_TF, encoding="utf-8")
    (tmp_path / "k8s").mkdir()
    (tmp_path / "k8s" / "qdrant.yaml").write_text(QDRANT, encoding="utf-8")
    (tmp_path / "stack.yaml").write_text(STACK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, ["check", "--format", "json", "--no-config", *args])
    return result.exit_code, json.loads(result.stdout), result.stderr


def placed(report: dict[str, Any], prefix: str) -> list[tuple[str, str, int, int]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [
        (f["policy_id"], f["file"], f["start_line"], f["start_column"])
        for f in findings
        if f["policy_id"].startswith(prefix)
    ]


@pytest.mark.usefixtures("repo")
def test_drift_findings_are_at_their_places() -> None:
    code, report, err = run("stack.yaml", "--discover", "infra", "--discover", "k8s")
    assert code == 1
    assert placed(report, "SP-DRF") == [
        # undeclared: at the infrastructure code
        ("SP-DRF-001", "infra/main.tf", 6, 10),
        ("SP-DRF-001", "k8s/qdrant.yaml", 4, 9),
        # mismatch: at the manifest's field; gone: at its `source:`
        ("SP-DRF-003", "stack.yaml", 7, 12),
        ("SP-DRF-002", "stack.yaml", 12, 13),
    ]
    # The discovered qdrant has a declared namesake: renamed, said, and hinted at.
    assert "k8s/qdrant.yaml:4:9: discovered kubernetes:apps/StatefulSet/marketing/qdrant" in err
    assert "named 'qdrant-kubernetes'" in err


@pytest.mark.usefixtures("repo")
def test_a_linked_component_is_one_component_with_its_code_as_related_location() -> None:
    _, report, _ = run("stack.yaml", "--discover", "infra")
    sprawl = [f for f in report["findings"] if f["policy_id"] == "SP-EMB-001"]
    # product-search (linked, counted once), old-index, qdrant, shadow-index
    assert {f["component"] for f in sprawl} == {
        "product-search",
        "old-index",
        "qdrant",
        "shadow-index",
    }
    assert "is one of 4 vector stores" in sprawl[0]["message"]
    result = CliRunner().invoke(
        main, ["check", "--no-config", "stack.yaml", "--discover", "infra", "-f", "sarif"]
    )
    results = json.loads(result.stdout)["runs"][0]["results"]
    linked = next(
        r
        for r in results
        if r["ruleId"] == "SP-EMB-001" and r["message"]["text"].startswith("product-search ")
    )
    [related] = linked["relatedLocations"]
    physical = related["physicalLocation"]
    assert (physical["artifactLocation"]["uri"], physical["region"]["startLine"]) == (
        "infra/main.tf",
        1,
    )


@pytest.mark.usefixtures("repo")
def test_without_discovery_the_drift_rules_are_not_part_of_the_run() -> None:
    _, report, _ = run("stack.yaml")
    assert placed(report, "SP-DRF") == []
    assert report["summary"]["policies"] == 41


def test_the_config_names_what_to_discover_and_tunes_the_drift_rules(repo: Path) -> None:
    (repo / ".stackpolicy.yaml").write_text(
        "stack: [stack.yaml]\n"
        "discover:\n"
        "  paths: [infra]\n"
        "  mapping:\n"
        "    - {terraform: acme_vector_index, kind: vector-store, confidence: certain}\n"
        "rules:\n"
        "  SP-DRF-001: {enabled: false}\n"
        "  SP-DRF-002: {severity: error}\n",
        encoding="utf-8",
    )
    (repo / "infra" / "internal.tf").write_text(
        'resource "acme_vector_index" "docs" {\n  name = "docs"\n}\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", "--format", "json"])
    report = json.loads(result.stdout)
    assert placed(report, "SP-DRF") == [
        ("SP-DRF-003", "stack.yaml", 7, 12),
        ("SP-DRF-002", "stack.yaml", 12, 13),
    ]
    severities = {f["policy_id"]: f["severity"] for f in report["findings"]}
    assert severities["SP-DRF-002"] == "error"
    # The org's own mapping entry made `acme_vector_index` a vector store.
    assert "docs" in {f["component"] for f in report["findings"]}
    discovered = CliRunner().invoke(main, ["discover", "--format", "json"])
    assert discovered.exit_code == 0
    names = {c["name"] for c in json.loads(discovered.stdout)["components"]}
    assert {"docs", "product-search", "shadow-index"} <= names


def test_a_bad_mapping_entry_is_placed_in_the_config(repo: Path) -> None:
    (repo / ".stackpolicy.yaml").write_text(
        "discover:\n  paths: [infra]\n  mapping:\n    - {terraform: x_index, kind: vector-store}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["check", "stack.yaml"])
    assert result.exit_code == 2
    assert result.stderr.startswith(".stackpolicy.yaml:4:7: ")
    assert "confidence" in result.stderr


def test_a_missing_discover_path_is_placed_in_the_config(repo: Path) -> None:
    (repo / ".stackpolicy.yaml").write_text("discover: [infra, nowhere]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "stack.yaml"])
    assert result.exit_code == 2
    assert result.stderr.startswith(".stackpolicy.yaml:1:19: no such file or directory: nowhere")


@pytest.mark.usefixtures("repo")
def test_discovery_alone_is_a_stack_with_stack_findings_at_the_code() -> None:
    code, report, _ = run("--discover", "infra")
    assert code == 1
    assert ("SP-GOV-005", "infra/main.tf", 1, 10) in placed(report, "SP-GOV-005")
    assert placed(report, "SP-DRF-001") == [
        ("SP-DRF-001", "infra/main.tf", 1, 10),
        ("SP-DRF-001", "infra/main.tf", 6, 10),
    ]


@pytest.mark.usefixtures("repo")
def test_discovery_that_finds_nothing_and_no_manifest_is_an_error() -> None:
    result = CliRunner().invoke(main, ["check", "--no-config", "--discover", "k8s/qdrant.yaml"])
    assert result.exit_code == 0  # qdrant is found: a stack of one, with warnings
    assert "SP-DRF-001" in result.stdout
    Path("k8s/qdrant.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--no-config", "--discover", "k8s"])
    assert result.exit_code == 2
    assert "no stack manifest found" in result.stderr
