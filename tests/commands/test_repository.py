"""stackpolicy in a real repository: a bank's stack, its own policies and
tests and a `.stackpolicy.yaml`, beside Helm charts, CloudFormation and other
tools' YAML. The pre-commit selection, other YAML, the library commands and
the configuration, `test` on one file, waivers and baselines, typos."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from conftest import ROOT
from stackpolicy import baseline, pipeline
from stackpolicy.cli import main
from stackpolicy.settings import Request, read_config, resolve

Write = Callable[[str, str], Path]

PAST = (date.today() - timedelta(days=1)).isoformat()

STACK = """\
apiVersion: stackpolicy/v1
kind: Stack
metadata: {name: bank-ai, org: bank}
components:
  - {name: chatbot, kind: inference-service, owner: support}
  - {name: chatbot-monitor, kind: monitor, owner: support, targets: [chatbot]}
"""
DATA = """\
apiVersion: stackpolicy/v1
kind: Stack
components:
  - {name: ledger, kind: warehouse, owner: data}
"""
POLICY = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: BANK-001
    title: Services belong to a product team
    description: Support does not own services.
    severity: error
    layer: inference
    scope: component
    kinds: [inference-service]
    params: {teams: [support]}
    assert: '!(component.owner in params.teams)'
    message: component.name + ' is owned by ' + component.owner
  - id: BANK-002
    title: Warehouses have an owner
    description: d
    severity: warning
    layer: data-platform
    scope: component
    kinds: [warehouse]
    assert: has(component.owner)
    message: component.name + ' has no owner'
"""
POLICY_TEST = """\
apiVersion: stackpolicy/v1
kind: PolicyTest
cases:
  - name: a service support owns fails
    stack:
      components: [{name: a, kind: inference-service, owner: support}]
    expect: [{policy: BANK-001, component: a}]
  - name: a product team's service passes
    stack:
      components: [{name: a, kind: inference-service, owner: payments}]
    expect: []
  - name: a warehouse without an owner fails
    stack:
      components: [{name: w, kind: warehouse}]
    expect: [{policy: BANK-002, component: w}]
  - name: an owned warehouse passes
    stack:
      components: [{name: w, kind: warehouse, owner: data}]
    expect: []
"""
CONFIG = """\
stack: [stack/]
format: sarif
policies:
  bundled: false
  paths: [policies/]
rules:
  BANK-002: {severity: error}
"""

# YAML that is not ours, as it sits in real repositories.
OTHER_YAML = {
    "helm": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Values.name }}\n"
        "spec:\n  replicas: {{ .Values.replicas }}\n",
        "not YAML stackpolicy reads (mapping keys must be plain strings)",
    ),
    "cloudformation": (
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n"
        "    Properties:\n      BucketName: !Ref BucketName\n",
        "not YAML stackpolicy reads (unsupported YAML tag !Ref)",
    ),
    "jinja": (
        "{% for x in items %}\n- name: {{ x }}\n{% endfor %}\n",
        "not YAML stackpolicy reads (invalid YAML: found character that cannot start any token)",
    ),
    "kubernetes": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {a: b}\n",
        "no stackpolicy/v1 document",
    ),
    "workflow": (
        "on: [push]\njobs:\n  test: {runs-on: ubuntu-latest, steps: [{run: make}]}\n",
        "no stackpolicy/v1 document",
    ),
    "policy-set": (POLICY, "a stackpolicy PolicySet, not a stack manifest"),
    "policy-test": (POLICY_TEST, "a stackpolicy PolicyTest, not a stack manifest"),
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def bank(write: Write) -> Path:
    """The bank's repository: stack/ (two manifests), policies/, the config."""
    write("stack/ai.yaml", STACK)
    write("stack/data.yaml", DATA)
    write("policies/bank.yaml", POLICY)
    write("policies/bank_test.yaml", POLICY_TEST)
    return write(".stackpolicy.yaml", CONFIG)


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("kind", sorted(OTHER_YAML))
def test_other_yaml_in_the_stack_is_skipped_and_verbose_says_why(write: Write, kind: str) -> None:
    text, reason = OTHER_YAML[kind]
    write(f"stack/{kind}.yaml", text)
    result = run("check", "--verbose", "--format", "text")
    assert result.exit_code == 1, result.output
    assert "error BANK-001 chatbot is owned by support" in result.stdout
    assert result.stderr.splitlines()[:3] == [
        "stackpolicy: read stack/ai.yaml",
        "stackpolicy: read stack/data.yaml",
        f"stackpolicy: stack/{kind}.yaml: skipped: {reason}",
    ]


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("kind", sorted(OTHER_YAML))
def test_other_yaml_handed_to_the_hook_is_skipped(write: Write, kind: str) -> None:
    write(f"charts/{kind}.yaml", OTHER_YAML[kind][0])
    assert run("check", "--changed", f"charts/{kind}.yaml", "--no-config").exit_code == 0
    result = run("check", "--changed", "--format", "text", f"charts/{kind}.yaml")
    assert result.exit_code == 0, result.output  # the stack's findings are in stack/ai.yaml


@pytest.mark.usefixtures("bank")
def test_a_glob_in_the_config_may_match_other_yaml(write: Write) -> None:
    write(".stackpolicy.yaml", CONFIG.replace("[stack/]", "['stack/*.yaml']"))
    write("stack/helm.yaml", OTHER_YAML["helm"][0])
    assert run("check", "--format", "text").exit_code == 1


@pytest.mark.usefixtures("bank")
def test_a_broken_file_that_claims_to_be_ours_is_an_error(write: Write) -> None:
    write("stack/broken.yaml", "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents: !Ref x\n")
    result = run("check", "--format", "text")
    assert result.exit_code == 2
    assert "stack/broken.yaml:3:13: unsupported YAML tag !Ref" in result.stderr


@pytest.mark.usefixtures("bank")
def test_the_whole_repository_is_a_stack_beside_policies_and_charts(write: Write) -> None:
    write("charts/api/templates/deploy.yaml", OTHER_YAML["helm"][0])
    result = run("check", ".", "--format", "text")
    assert result.exit_code == 1, result.output
    assert "required property" not in result.output
    assert "1 finding (1 error) in 3 components from 2 files" in result.stdout


@pytest.mark.usefixtures("bank")
def test_a_file_named_on_its_own_must_be_a_manifest() -> None:
    result = run("check", "policies/bank.yaml", "--no-config")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "policies/bank.yaml:2:7: not a stack manifest: kind 'PolicySet'"
    )


LIBRARY_FILES = {
    "policy": "policies/bank.yaml",
    "policy test": "policies/bank_test.yaml",
    "config": ".stackpolicy.yaml",
    "waivers": "waivers.yaml",
    "baseline": "baseline.json",
}


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("changed", sorted(LIBRARY_FILES))
def test_a_change_to_the_library_rechecks_the_whole_stack(write: Write, changed: str) -> None:
    """A commit that changes only a policy may make the stack fail: every finding counts."""
    write(
        ".stackpolicy.yaml",
        CONFIG + "waivers_file: waivers.yaml\nbaseline: baseline.json\n",
    )
    write("waivers.yaml", "waivers: []\n")
    write("baseline.json", json.dumps({"version": 1, "findings": []}))
    result = run("check", "--changed", "--format", "text", LIBRARY_FILES[changed])
    assert result.exit_code == 1, result.output
    assert "stack/ai.yaml:5:12: error BANK-001 chatbot is owned by support" in result.stdout


@pytest.mark.usefixtures("bank")
def test_a_change_to_one_manifest_reports_that_files_findings_only() -> None:
    result = run("check", "--changed", "--format", "text", "stack/data.yaml")
    assert result.exit_code == 0, result.output
    assert "BANK-001" not in result.stdout


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("hook", ["stackpolicy", "stackpolicy-validate"])
def test_the_hooks_print_text_whatever_the_config_says(hook: str) -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    entry = next(h["entry"] for h in hooks if h["id"] == hook).split()
    assert entry[0] == "stackpolicy"
    result = run(*entry[1:], "stack/ai.yaml")
    assert not result.stdout.lstrip().startswith("{"), result.stdout  # not SARIF
    assert "in 3 components from 2 files" in result.stdout


@pytest.mark.usefixtures("bank")
def test_rules_lists_the_configured_library() -> None:
    rows = json.loads(run("rules", "--format", "json").stdout)
    by_id = {row["id"]: row for row in rows}
    assert by_id["BANK-002"]["severity"] == "error"  # tuned
    assert "SP-GOV-001" not in by_id  # the bundled library is off
    bundled = {row["id"] for row in json.loads(run("rules", "--no-config", "-f", "json").stdout)}
    assert "SP-GOV-001" in bundled and "BANK-001" not in bundled


@pytest.mark.usefixtures("bank")
def test_disabled_rules_and_tuned_params_are_what_explain_shows(write: Write) -> None:
    write(
        ".stackpolicy.yaml",
        CONFIG + "  BANK-001: {params: {teams: [support, ops]}}\n  SP-REF-002: {enabled: false}\n",
    )
    explained = run("explain", "bank-001")
    assert explained.exit_code == 0, explained.output
    assert '  teams = ["support", "ops"]' in explained.stdout
    disabled = run("explain", "SP-REF-002")
    assert disabled.exit_code == 2
    assert "SP-REF-002 is disabled by the configuration's rules:" in disabled.stderr
    assert "SP-REF-002" not in run("rules").stdout
    assert run("explain", "SP-REF-002", "--no-config").exit_code == 0


@pytest.mark.usefixtures("bank")
def test_docs_documents_the_configured_library() -> None:
    result = run("docs")
    assert result.exit_code == 0, result.output
    assert "BANK-001" in result.stdout and "SP-INF-001" not in result.stdout


@pytest.mark.usefixtures("bank")
def test_add_policies_loads_more_on_top_of_the_configured_ones(write: Write) -> None:
    write("extra/more.yaml", POLICY.replace("BANK-", "MORE-"))
    added = {row["id"] for row in json.loads(run("rules", "-P", "extra", "-f", "json").stdout)}
    assert {"BANK-001", "MORE-001"} <= added
    write(".stackpolicy.yaml", CONFIG.split("rules:")[0])  # tuning BANK-002 needs BANK-002
    replaced = {row["id"] for row in json.loads(run("rules", "-p", "extra", "-f", "json").stdout)}
    assert "MORE-001" in replaced and "BANK-001" not in replaced
    checked = run("check", "-P", "extra", "--format", "text")
    assert "error MORE-001 chatbot is owned by support" in checked.stdout


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("path", ["policies/bank.yaml", "policies/bank_test.yaml", "policies/"])
def test_test_runs_a_policy_files_cases_given_either_file(path: str) -> None:
    result = run("test", path, "--require-cases")
    assert result.exit_code == 0, result.output
    assert "4 cases: 4 passed, 0 failed, 0 could not run." in result.stdout


@pytest.mark.usefixtures("bank")
def test_a_policy_file_without_cases_says_so(write: Write) -> None:
    write("policies/untested.yaml", POLICY.replace("BANK-", "UNT-"))
    result = run("test", "policies/untested.yaml")
    assert result.exit_code == 0
    assert "warning: policies/untested.yaml has no test cases" in result.stdout
    required = run("test", "policies/untested.yaml", "--require-cases")
    assert required.exit_code == 1
    assert "error: policies/untested.yaml has no test cases" in required.stdout


@pytest.mark.usefixtures("bank")
def test_test_of_a_local_test_may_name_a_bundled_policy(write: Write) -> None:
    write(".stackpolicy.yaml", CONFIG.replace("bundled: false", "bundled: true"))
    write(
        "policies/owners_test.yaml",
        "apiVersion: stackpolicy/v1\nkind: PolicyTest\npolicies: [SP-GOV-001]\ncases:\n"
        "  - name: no owner\n    stack: {components: [{name: a, kind: warehouse}]}\n"
        "    expect: [{policy: SP-GOV-001, component: a}]\n",
    )
    result = run("test", "policies/owners_test.yaml")
    assert result.exit_code == 0, result.output
    assert "1 cases: 1 passed" in result.stdout


@pytest.fixture
def expired_waiver(write: Write) -> None:
    """A stack, the bank's policy and a config whose one waiver expired yesterday."""
    write("stack/ai.yaml", STACK)
    write("policies/bank.yaml", POLICY)
    write(
        ".stackpolicy.yaml",
        CONFIG
        + "waivers:\n"
        + f"  - {{policy: BANK-001, component: chatbot, reason: r, owner: o, expires: {PAST}}}\n",
    )


@pytest.mark.usefixtures("expired_waiver")
def test_a_baseline_never_records_nor_hides_an_expired_waiver() -> None:
    recorded = run("baseline", "-o", "baseline.json")
    assert recorded.exit_code == 0, recorded.output
    ids = [f["policy"] for f in json.loads(Path("baseline.json").read_text())["findings"]]
    assert ids == ["BANK-001"]  # the expired waiver's SP-WVR-001 is not recorded
    checked = run("check", "--baseline", "baseline.json", "--format", "text")
    assert checked.exit_code == 1, checked.output
    assert "SP-WVR-001" in checked.stdout


@pytest.mark.usefixtures("expired_waiver")
def test_a_hand_made_baseline_does_not_hide_an_expired_waiver(write: Write) -> None:
    request = Request()
    everything = pipeline.check(resolve(request, read_config(request))).findings
    assert "SP-WVR-001" in {f.policy_id for f in everything}
    write("baseline.json", baseline.render(everything))
    checked = run("check", "--baseline", "baseline.json", "--format", "text")
    assert checked.exit_code == 1
    assert "SP-WVR-001" in checked.stdout


TYPOS = [
    (
        "stack/ai.yaml",
        STACK.replace("kind: monitor", "kind: monitr"),
        "stack/ai.yaml:6:35: components[1].kind: unknown kind 'monitr' (did you mean 'monitor'?)",
    ),
    (
        "stack/ai.yaml",
        STACK.replace(
            "owner: support}\n  - {name: chatbot-monitor", "ownr: support}\n  - {name: x"
        ),
        "stack/ai.yaml:5:46: components[0]: unknown field 'ownr' (did you mean 'owner'?)",
    ),
    (
        "stack/ai.yaml",
        STACK.replace("targets: [chatbot]", "targets: [chatbt]"),
        "error SP-REF-001 chatbot-monitor (monitor): targets 'chatbt' is not a component of "
        "the stack (did you mean 'chatbot'?)",
    ),
    (
        ".stackpolicy.yaml",
        CONFIG.replace("rules:", "rulez:"),
        ".stackpolicy.yaml:6:1: document: unknown field 'rulez' (did you mean 'rules'?)",
    ),
    (
        ".stackpolicy.yaml",
        CONFIG.replace("BANK-002:", "BANK-02:"),
        ".stackpolicy.yaml:7:3: rules: 'BANK-02' matches no policy (did you mean 'BANK-002'?)",
    ),
    (
        "policies/bank.yaml",
        POLICY.replace("kinds: [warehouse]", "kinds: [warehose]"),
        "policies/bank.yaml:14:9: BANK-002: kinds: 'warehose' is no kind of the vocabulary "
        "(did you mean 'warehouse'?); the policy would never run on it",
    ),
]


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize(("name", "text", "message"), TYPOS)
def test_typos_get_the_nearest_valid_name(write: Write, name: str, text: str, message: str) -> None:
    write(name, text)
    result = run("check", "--format", "text")
    assert result.exit_code in (1, 2)
    assert message in result.output


def test_explain_suggests_the_nearest_policy_id() -> None:
    result = run("explain", "SP-INF-01", "--no-config")
    assert result.exit_code == 2
    assert "no policy 'SP-INF-01' (did you mean 'SP-INF-001'?)" in result.stderr


@pytest.mark.usefixtures("bank")
@pytest.mark.parametrize("added", ["policies", "policies/bank.yaml"])
def test_adding_a_configured_source_again_defines_nothing_twice(added: str) -> None:
    result = run("check", "-P", added, "--format", "text")
    assert result.exit_code == 1, result.output
    assert "duplicate policy id" not in result.output
