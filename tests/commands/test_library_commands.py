"""`rules`, `explain` and `docs`, and the quality bar of the bundled library."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import ROOT
from stackpolicy.cli import main
from stackpolicy.vocabulary import LAYERS

DOCS_URL = "https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#"


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def bundled() -> list[dict[str, Any]]:
    result = invoke("rules", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rules: list[dict[str, Any]] = json.loads(result.stdout)
    return rules


def test_library_covers_every_layer() -> None:
    rules = bundled()
    per_layer = Counter(r["layer"] for r in rules)
    assert len(rules) >= 30
    assert {layer: per_layer[layer] >= 4 for layer in LAYERS} == dict.fromkeys(LAYERS, True)
    assert len({r["id"] for r in rules}) == len(rules)


def test_every_policy_links_to_its_anchor_in_the_reference() -> None:
    for rule in bundled():
        assert rule["help_uri"] == DOCS_URL + rule["id"].lower()
        assert rule["tags"]


@pytest.mark.usefixtures("in_root")
def test_generated_reference_is_up_to_date() -> None:
    result = invoke("docs")
    assert result.exit_code == 0
    committed = (ROOT / "docs" / "policies.md").read_text(encoding="utf-8")
    assert result.stdout == committed, (
        "docs/policies.md is stale: run `stackpolicy docs -o docs/policies.md`"
    )
    for rule in bundled():
        assert f"\n### {rule['id']}\n" in committed


def test_rules_text_and_layer_filter() -> None:
    result = invoke("rules", "--layer", "inference")
    lines = result.stdout.splitlines()
    assert lines and all(" inference " in line for line in lines)
    assert lines[0].startswith("SP-INF-001   error    inference")


def test_explain_shows_everything_a_new_user_needs() -> None:
    result = invoke("explain", "sp-inf-001")
    assert result.exit_code == 0
    out = result.stdout
    for part in (
        "SP-INF-001: Every inference service has a monitor",
        "Why it matters",
        "How to fix it",
        'monitor_kinds = ["monitor"]',
        "Rule (CEL)",
        "assert: >-",
        "Example: a service without a monitor is reported",
        "=> reports SP-INF-001 on svc",
        "=> complies",
    ):
        assert part in out, part


def test_explain_unknown_policy_exits_2() -> None:
    result = invoke("explain", "SP-NOPE-1")
    assert result.exit_code == 2
    assert result.stderr.startswith("<command line>:1:1: no policy 'SP-NOPE-1' (known: SP-DAT-001")


def test_docs_writes_a_file(tmp_path: Any) -> None:
    out = tmp_path / "ref.md"
    result = invoke("docs", "--output", str(out))
    assert result.exit_code == 0
    assert out.read_text().startswith("# Policy reference\n")


def test_rules_reads_no_tests_but_docs_and_test_report_a_broken_one(tmp_path: Any) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    owners = (ROOT / "policies" / "governance" / "owners.yaml").read_text(encoding="utf-8")
    (lib / "own.yaml").write_text(owners.replace("SP-GOV-001", "ORG-GOV-001"), encoding="utf-8")
    (lib / "own_test.yaml").write_text("cases: [\n", encoding="utf-8")
    listed = invoke("rules", "--no-config", "-p", str(lib), "-f", "json")
    assert listed.exit_code == 0, listed.stderr
    assert "ORG-GOV-001" in {row["id"] for row in json.loads(listed.stdout)}
    for command in ("docs", "test"):
        result = invoke(command, "--no-config", "-p", str(lib))
        assert result.exit_code == 2
        assert "own_test.yaml:2:1: invalid YAML" in result.stderr


def test_explain_finds_the_cases_of_a_test_file_that_escapes_the_id(tmp_path: Any) -> None:
    # explain reads only the test files that may test the policy; an id
    # written with a YAML escape must still count.
    lib = tmp_path / "lib"
    lib.mkdir()
    owners = (ROOT / "policies" / "governance" / "owners.yaml").read_text(encoding="utf-8")
    (lib / "own.yaml").write_text(owners.replace("SP-GOV-001", "ORG-GOV-001"), encoding="utf-8")
    (lib / "other_test.yaml").write_text(
        "apiVersion: stackpolicy/v1\n"
        "kind: PolicyTest\n"
        'policies: ["ORG-\\x47OV-001"]\n'
        "cases:\n"
        "  - name: nobody owns it\n"
        "    stack:\n"
        "      apiVersion: stackpolicy/v1\n"
        "      kind: Stack\n"
        "      metadata: {name: s, org: o}\n"
        "      components:\n"
        "        - {name: wh, kind: warehouse}\n"
        "    expect:\n"
        '      - {policy: "ORG-\\x47OV-001", component: wh}\n',
        encoding="utf-8",
    )
    result = invoke("explain", "org-gov-001", "--no-config", "-p", str(lib))
    assert result.exit_code == 0, result.stderr
    assert "Example: nobody owns it" in result.stdout
    assert "=> reports ORG-GOV-001 on wh" in result.stdout
