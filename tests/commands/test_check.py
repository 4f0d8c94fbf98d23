from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import OWNERS, STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]


def check(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize(("example", "code"), [("acme", 1), ("clean", 0)])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_examples_match_golden(
    example: str, code: int, fmt: str, golden: Callable[[str, str], None]
) -> None:
    exit_code, out, err = check(f"examples/{example}", "--format", fmt)
    assert (exit_code, err) == (code, "")
    golden(f"check-{example}.{'txt' if fmt == 'text' else 'json'}", out)


@pytest.mark.usefixtures("in_root")
def test_acme_tells_the_stories() -> None:
    _, out, _ = check("examples/acme", "--format", "json")
    found = {(f["policy_id"], f["component"]) for f in json.loads(out)["findings"]}
    assert {
        ("SP-EMB-001", n)
        for n in ("pinecone-search", "weaviate-support", "pgvector-support-kb", "chroma-marketing")
    } <= found
    assert ("SP-INF-001", "support-chatbot") in found
    assert ("SP-TRN-001", "support-llm") in found
    assert ("SP-REF-001", "support-chatbot") in found


@pytest.mark.parametrize(("fail_on", "code"), [("error", 0), ("warning", 1), ("note", 1)])
def test_fail_on(write: Write, fail_on: str, code: int) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")  # no owner: a warning
    exit_code, out, _ = check("s.yaml", "-p", OWNERS, "--fail-on", fail_on)
    assert exit_code == code
    assert out.splitlines()[0] == "s.yaml:5:12: warning T-OWN-001 wh (warehouse) has no owner"


def test_output_file_is_written_without_colour(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    exit_code, out, _ = check(
        "s.yaml", "-p", OWNERS, "--output", "out/report.txt", "--fail-on", "warning"
    )
    assert (exit_code, out) == (1, "")
    text = Path("out/report.txt").read_text()
    assert text.startswith("s.yaml:5:12: warning T-OWN-001") and "\x1b[" not in text
    assert [p.name for p in Path("out").iterdir()] == ["report.txt"]  # no temp file left


def test_custom_policies_replace_the_library(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    write(
        "p/own.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: PolicySet
        policies:
          - id: ORG-001
            title: Warehouses are Snowflake
            description: We standardised on one warehouse.
            severity: note
            layer: data-platform
            scope: component
            kinds: [warehouse]
            assert: has(component.vendor) && component.vendor == 'snowflake'
        """,
    )
    exit_code, out, _ = check("s.yaml", "-p", "p", "--fail-on", "note")
    assert exit_code == 1
    assert out.splitlines()[0] == "s.yaml:5:12: note ORG-001 Warehouses are Snowflake"
    assert "3 policies checked" in out  # ORG-001 and the two built-in reference rules


def test_policy_error_exits_2_but_reports_other_findings(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    write(
        "p/broken.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: PolicySet
        policies:
          - id: ORG-001
            title: t
            description: d
            severity: error
            layer: governance
            scope: component
            assert: component.vendor == 'x'
          - id: ORG-002
            title: Always
            description: d
            severity: error
            layer: governance
            scope: stack
            assert: "false"
        """,
    )
    exit_code, out, err = check("s.yaml", "-p", "p")
    assert exit_code == 2
    assert err == (
        "p/broken.yaml:10:13: ORG-001 on component 'wh': assert: no such key: 'vendor' "
        "(test optional fields with has())\n"
    )
    assert "s.yaml:4:1: error ORG-002 Always" in out
