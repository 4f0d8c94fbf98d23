"""Adopting stackpolicy in a repository: config, tuning, waivers, baselines."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]

TODAY = date.today()
FUTURE = (TODAY + timedelta(days=365)).isoformat()
SOON = (TODAY + timedelta(days=5)).isoformat()
PAST = (TODAY - timedelta(days=1)).isoformat()

STACK = (
    STACK_HEAD
    + """\
  - {name: svc, kind: inference-service, owner: a}
  - {name: legacy-api, kind: inference-service, owner: b}
  - {name: vectors, kind: vector-store, owner: c, vendor: pgvector}
"""
)

POLICY = """
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: ORG-INF-001
    title: Services are monitored
    description: d
    severity: error
    layer: inference
    scope: component
    kinds: [inference-service]
    params: {monitor_kinds: [monitor]}
    assert: component.referrers.targets.exists(n, stack.by_name[n].kind in params.monitor_kinds)
    message: component.name + ' has no monitor'
  - id: ORG-EMB-001
    title: Vector stores name a vendor
    description: d
    severity: warning
    layer: features-embeddings
    scope: component
    kinds: [vector-store]
    assert: has(component.vendor)
"""


def invoke(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def repo(write: Write, config: str) -> None:
    write("stack/main.yaml", STACK)
    write("policies/org.yaml", POLICY)
    write(".stackpolicy.yaml", config)


def findings(*args: str) -> dict[str, Any]:
    result = invoke("check", "--format", "json", *args)
    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


BASE_CONFIG = """
stack: [stack/]
policies:
  bundled: false
  paths: [policies/]
"""


def test_config_supplies_stack_policies_and_defaults(write: Write) -> None:
    repo(write, BASE_CONFIG + "fail_on: warning\nformat: json\n")
    result = invoke("check")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(f["policy_id"], f["component"]) for f in doc["findings"]] == [
        ("ORG-INF-001", "svc"),
        ("ORG-INF-001", "legacy-api"),
    ]


def test_config_is_found_from_a_subdirectory(write: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    repo(write, BASE_CONFIG)
    Path("stack/deep").mkdir()
    monkeypatch.chdir("stack/deep")
    assert invoke("check").exit_code == 1


def test_rules_tune_enable_severity_and_params(write: Write) -> None:
    repo(
        write,
        BASE_CONFIG
        + """
rules:
  "ORG-*":
    severity: note
  ORG-INF-001:
    params: {monitor_kinds: [monitor, tracing]}
  ORG-EMB-001:
    enabled: false
""",
    )
    write(
        "stack/tracing.yaml",
        STACK_HEAD.replace("metadata: {name: test, org: test}\n", "")
        + "  - {name: tr, kind: tracing, owner: a, targets: [svc]}\n",
    )
    doc = findings("--fail-on", "note")
    assert [(f["policy_id"], f["component"], f["severity"]) for f in doc["findings"]] == [
        ("ORG-INF-001", "legacy-api", "note"),
    ]
    assert doc["summary"]["policies"] == 3  # SP-REF-001, SP-REF-002 and ORG-INF-001


@pytest.mark.parametrize(
    ("rules", "error"),
    [
        (
            "  ORG-INF-001:\n    params: {nope: 1}\n",
            ".stackpolicy.yaml:7:14: ORG-INF-001 has no param 'nope' (params: monitor_kinds)",
        ),
        (
            "  ORG-INF-001:\n    params: {monitor_kinds: monitor}\n",
            ".stackpolicy.yaml:7:14: ORG-INF-001 param 'monitor_kinds' must be a list of strings, "
            "got a string",
        ),
        (
            "  ORG-NOPE-*:\n    enabled: false\n",
            ".stackpolicy.yaml:6:3: rules: 'ORG-NOPE-*' matches no policy",
        ),
        (
            "  ORG-*:\n    params: {monitor_kinds: []}\n",
            ".stackpolicy.yaml:6:3: params can be set for one CEL policy id, not a glob",
        ),
        (
            "  ORG-INF-001:\n    severity: fatal\n",
            ".stackpolicy.yaml:7:15: rules.ORG-INF-001.severity: 'fatal' is not one of "
            "['error', 'warning', 'note']",
        ),
    ],
)
def test_bad_tuning_is_a_located_error(write: Write, rules: str, error: str) -> None:
    repo(write, BASE_CONFIG + "rules:\n" + rules)
    result = invoke("check", "--format", "sarif")
    assert result.exit_code == 2
    assert result.stderr == error + "\n"
    assert json.loads(result.stdout)["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_waivers_hide_findings_until_they_expire(write: Write) -> None:
    repo(
        write,
        BASE_CONFIG
        + f"""
waivers:
  - policy: ORG-INF-001
    component: legacy-*
    reason: Being replaced by svc in Q1.
    owner: platform-team
    expires: {FUTURE}
""",
    )
    result = invoke("check")
    assert result.exit_code == 1  # svc is still unmonitored
    assert "legacy-api" not in result.stdout
    assert result.stdout.rstrip().endswith("; 1 waived.")
    doc = findings()
    waived = [f for f in doc["findings"] if f["waived"]]
    assert [f["component"] for f in waived] == ["legacy-api"]
    assert waived[0]["waived"]["owner"] == "platform-team"
    assert doc["summary"]["waived"] == 1


def test_expired_stale_and_expiring_waivers_are_findings_at_their_lines(write: Write) -> None:
    repo(
        write,
        BASE_CONFIG
        + f"""
waiver_warning_days: 14
waivers:
  - {{policy: ORG-INF-001, component: legacy-api, reason: r, owner: o, expires: {PAST}}}
  - {{policy: ORG-INF-001, component: gone-*, reason: r, owner: o, expires: {FUTURE}}}
  - {{policy: ORG-INF-001, component: svc, reason: r, owner: o, expires: {SOON}}}
""",
    )
    result = invoke("check", "--fail-on", "note")
    lines = result.stdout.splitlines()
    assert (
        f".stackpolicy.yaml:8:14: error SP-WVR-001 waiver of ORG-INF-001 for legacy-api "
        f"(owner o) expired on {PAST}" in lines
    )
    assert (
        ".stackpolicy.yaml:9:14: warning SP-WVR-002 waiver of ORG-INF-001 for gone-* "
        "(owner o) matches no finding: remove it" in lines
    )
    assert (
        ".stackpolicy.yaml:10:14: note SP-WVR-003 waiver of ORG-INF-001 for svc "
        "(owner o) expires in 5 days" in lines
    )
    # The expired waiver no longer applies; the expiring one still does.
    assert any("ORG-INF-001 legacy-api has no monitor" in line for line in lines)
    assert not any("ORG-INF-001 svc has no monitor" in line for line in lines)


@pytest.mark.parametrize(
    ("waiver", "error"),
    [
        (
            "{policy: X-1, component: a, reason: r, owner: o}",
            "waivers[0]: 'expires' is a required property",
        ),
        (
            "{policy: X-1, component: a, reason: r, owner: o, expires: 2026-02-30}",
            "expires '2026-02-30' is not a date",
        ),
        (
            "{policy: X-1, component: a, owner: o, expires: 2030-01-01}",
            "waivers[0]: 'reason' is a required property",
        ),
    ],
)
def test_waivers_need_every_field(write: Write, waiver: str, error: str) -> None:
    repo(write, BASE_CONFIG + f"waivers:\n  - {waiver}\n")
    result = invoke("check")
    assert result.exit_code == 2
    assert error in result.stderr


def test_waivers_file_and_sarif_suppressions(write: Write) -> None:
    repo(write, BASE_CONFIG + "waivers_file: waivers.yaml\n")
    write(
        "waivers.yaml",
        f"waivers:\n  - {{policy: ORG-INF-001, component: '*', reason: accepted risk, "
        f"owner: sec, expires: {FUTURE}}}\n",
    )
    result = invoke("check", "--format", "sarif")
    assert result.exit_code == 0, result.stderr
    plain = json.loads(result.stdout)
    assert plain["runs"][0]["results"] == []
    included = json.loads(invoke("check", "--format", "sarif", "--sarif-include-waived").stdout)
    results = included["runs"][0]["results"]
    assert len(results) == 2
    assert results[0]["suppressions"] == [
        {
            "kind": "external",
            "justification": f"accepted risk (owner sec, expires {FUTURE})",
        }
    ]


def test_baseline_reports_only_new_findings(write: Write) -> None:
    repo(write, BASE_CONFIG)
    result = invoke("baseline", "--output", "base.json")
    assert result.exit_code == 0, result.stderr
    recorded = json.loads(Path("base.json").read_text())
    assert recorded["findings"][0] == {
        "policy": "ORG-INF-001",
        "component": "legacy-api",
        "file": "stack/main.yaml",
        "key": "",
    }
    assert "line" not in json.dumps(recorded)
    assert invoke("check", "--baseline", "base.json").exit_code == 0
    # Lines move and a new service arrives: only the new one is reported.
    write(
        "stack/main.yaml",
        STACK.replace("components:\n", "components:\n\n\n")
        + "  - {name: new-svc, kind: inference-service, owner: d}\n",
    )
    result = invoke("check", "--baseline", "base.json")
    assert result.exit_code == 1
    assert [line.split()[3] for line in result.stdout.splitlines()[:-2]] == ["new-svc"]
    assert "; 2 in the baseline." in result.stdout
    # Fix one baselined finding: the baseline can shrink.
    write("stack/main.yaml", STACK + "  - {name: m, kind: monitor, owner: a, targets: [svc]}\n")
    result = invoke("check", "--baseline", "base.json")
    assert result.exit_code == 0
    assert "1 baselined finding no longer occurs: shrink the baseline" in result.stdout


def test_a_broken_baseline_is_a_located_error(write: Write) -> None:
    repo(write, BASE_CONFIG)
    write("base.json", "{not json")
    result = invoke("check", "--baseline", "base.json")
    assert result.exit_code == 2
    assert result.stderr == (
        "base.json:1:2: not a stackpolicy baseline: "
        "Expecting property name enclosed in double quotes\n"
    )


def test_changed_files_report_their_findings_and_stack_wide_ones(write: Write) -> None:
    repo(write, BASE_CONFIG.replace("bundled: false", "bundled: true"))
    write(
        "stack/other.yaml",
        STACK_HEAD.replace("metadata: {name: test, org: test}\n", "")
        + "  - {name: vectors2, kind: vector-store, owner: c, vendor: pgvector}\n",
    )
    result = invoke("check", "--changed", "stack/other.yaml", "--format", "json")
    doc = json.loads(result.stdout)
    found = {(f["policy_id"], f["file"]) for f in doc["findings"]}
    # One vector store per org is about both files; owner findings of main.yaml are not shown.
    assert ("SP-EMB-001", "stack/main.yaml") in found
    assert ("SP-EMB-001", "stack/other.yaml") in found
    elsewhere = {f["policy_id"] for f in doc["findings"] if f["file"] != "stack/other.yaml"}
    assert elsewhere == {"SP-EMB-001", "SP-GOV-005"}  # the stack-scope policies


def test_without_config_changed_files_are_the_stack(write: Write) -> None:
    write("s.yaml", STACK)
    result = invoke("check", "--no-config", "--changed", "s.yaml", "-p", "policies")
    assert result.exit_code == 2  # no such policies dir: click says so
    write("policies/org.yaml", POLICY)
    result = invoke("check", "--no-config", "--changed", "s.yaml", "-p", "policies")
    assert result.exit_code == 1
    assert "s.yaml:5:12: error ORG-INF-001 svc has no monitor" in result.stdout


def test_no_stack_anywhere_is_a_usage_error(write: Write) -> None:
    write("empty.txt", "")
    result = invoke("check", "--no-config")
    assert result.exit_code == 2
    assert result.stderr.startswith("<command line>:1:1: no stack to check")


def test_policy_packages_from_entry_points(
    write: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A fake installed distribution with an entry point in stackpolicy.policies.
    write("site/acme_policies/__init__.py", "")
    write("site/acme_policies/org.yaml", POLICY)
    write(
        "site/acme_policies-1.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: acme-policies\nVersion: 1.0\n",
    )
    write(
        "site/acme_policies-1.0.dist-info/entry_points.txt",
        "[stackpolicy.policies]\nacme = acme_policies\n",
    )
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    sys.modules.pop("acme_policies", None)
    write("stack/main.yaml", STACK)
    write(".stackpolicy.yaml", "stack: [stack/]\npolicies:\n  bundled: false\n  packages: [acme]\n")
    assert [f["policy_id"] for f in findings()["findings"]] == ["ORG-INF-001", "ORG-INF-001"]
    write(".stackpolicy.yaml", "stack: [stack/]\npolicies:\n  packages: [nope]\n")
    result = invoke("check")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        ".stackpolicy.yaml:3:14: no installed policy library 'nope' (entry points in "
        "stackpolicy.policies: acme"
    )
