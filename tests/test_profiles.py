"""Profiles: finding them, combining them, and the configuration over them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from stackpolicy.cli import main
from stackpolicy.config import RuleTuning
from stackpolicy.errors import ConfigError
from stackpolicy.location import Location
from stackpolicy.policy import BUILTIN, Policy
from stackpolicy.profiles import find_profiles, load_profiles
from stackpolicy.resources import bundled_policies
from stackpolicy.rules.base import Checked, StackContext
from stackpolicy.tuning import tune
from stackpolicy.yamlload import load_documents

ROOT = Path(__file__).resolve().parent.parent


class _Rule:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def with_policy(self, policy: Policy) -> _Rule:
        return _Rule(policy)

    def check(self, context: StackContext) -> Checked:
        return Checked(())


def _rule(policy_id: str, **params: Any) -> _Rule:
    return _Rule(
        Policy(
            id=policy_id,
            title="t",
            description="d",
            remediation="r",
            severity="warning",
            layer="governance",
            scope="stack",
            params=params,
            location=BUILTIN,
        )
    )


def _tunings(text: str) -> tuple[RuleTuning, ...]:
    from stackpolicy.config import rule_tunings

    [doc] = load_documents(text, "profile.yaml")
    return rule_tunings(doc)


RULES = (_rule("SP-A-001", layers=["a", "b"], limit=1), _rule("SP-B-001"), _rule("SP-B-002"))
FIRST = _tunings(
    "rules:\n"
    "  SP-A-001: {params: {layers: [a], limit: 2}, severity: note}\n"
    "  SP-B-*: {enabled: false}\n"
)
SECOND = _tunings(
    "rules:\n  SP-A-001: {params: {layers: [c]}, severity: error}\n  SP-B-002: {enabled: false}\n"
)


def _tuned(*profiles: tuple[RuleTuning, ...], config: str = "rules: {}\n") -> dict[str, Policy]:
    return {r.policy.id: r.policy for r in tune(RULES, _tunings(config), profiles)}


def test_one_profile_tunes_like_the_configuration() -> None:
    tuned = _tuned(FIRST)
    assert list(tuned) == ["SP-A-001"]
    assert (tuned["SP-A-001"].severity, dict(tuned["SP-A-001"].params)) == (
        "note",
        {"layers": ["a"], "limit": 2},
    )


def test_profiles_combine_rule_by_rule() -> None:
    tuned = _tuned(FIRST, SECOND)
    # SP-B-001 is kept by the second profile; both disable SP-B-002.
    assert list(tuned) == ["SP-A-001", "SP-B-001"]
    policy = tuned["SP-A-001"]
    assert policy.severity == "error"  # the most severe
    assert dict(policy.params) == {"layers": ["a", "c"], "limit": 2}  # lists unite


def test_a_profile_that_leaves_a_list_alone_keeps_its_default_in_the_union() -> None:
    untouched = _tunings("rules: {}\n")
    assert dict(_tuned(FIRST, untouched)["SP-A-001"].params)["layers"] == ["a", "b"]


def test_the_configuration_wins_over_the_profiles_and_can_re_enable() -> None:
    config = "rules:\n  SP-B-002: {enabled: true}\n  SP-A-001: {params: {limit: 5}}\n"
    tuned = _tuned(FIRST, SECOND, config=config)
    assert list(tuned) == ["SP-A-001", "SP-B-001", "SP-B-002"]
    assert dict(tuned["SP-A-001"].params) == {"layers": ["a", "c"], "limit": 5}


def test_the_bundled_profiles_are_found_and_valid() -> None:
    found = find_profiles([bundled_policies()])
    assert sorted(found) == ["full", "llm-applications", "model-training", "tabular-ml"]
    where = Location.nowhere("test")
    for profile in load_profiles(sorted(found), [bundled_policies()], where):
        assert profile.title and profile.description


def test_an_unknown_profile_is_an_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError) as caught:
        load_profiles(["llm-application"], [bundled_policies()], Location("c.yaml", 3, 10))
    assert str(caught.value) == (
        "c.yaml:3:10: no profile 'llm-application'; did you mean 'llm-applications'? "
        "(profiles: full, llm-applications, model-training, tabular-ml)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "apiVersion: stackpolicy/v1\nkind: Profile\nname: other\ntitle: t\nrules: {}\n",
            "profiles/mine.yaml:3:7: profile name 'other' must be the file's name, 'mine'",
        ),
        (
            "apiVersion: stackpolicy/v1\nkind: Profile\nname: mine\ntitle: t\n"
            "rules:\n  SP-GOV-005: {severity: fatal}\n",
            "profiles/mine.yaml:6:26: rules.SP-GOV-005.severity: 'fatal' is not one of",
        ),
        (
            "apiVersion: stackpolicy/v1\nkind: Profile\nname: mine\nrules: {}\n",
            "profiles/mine.yaml:1:1: document: 'title' is a required property",
        ),
    ],
)
def test_a_broken_profile_is_placed_in_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "mine.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_profiles(["mine"], [Path(".")], Location.nowhere("test"))
    assert str(caught.value).startswith(expected)


def _check(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["check", "--format", "json", *args])
    assert result.exit_code in (0, 1), result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _ids(report: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(f["policy_id"], f["component"]) for f in report["findings"]}


@pytest.mark.usefixtures("in_root")
def test_the_profile_changes_what_the_example_is_judged_by() -> None:
    def judged(profile: str) -> dict[tuple[str, str | None], str]:
        report = _check("examples/acme", "--no-config", "--profile", profile)
        return {(f["policy_id"], f["component"]): f["severity"] for f in report["findings"]}

    full, llm, tabular = judged("full"), judged("llm-applications"), judged("tabular-ml")
    assert full[("SP-OBS-004", "support-chatbot")] == "warning"
    assert llm[("SP-OBS-004", "support-chatbot")] == "error"
    assert ("SP-GOV-007", None) in llm and ("SP-GOV-007", None) not in full
    assert full[("SP-EMB-001", "pinecone-search")] == "error"
    assert tabular[("SP-EMB-001", "pinecone-search")] == "warning"


def test_the_config_names_profiles_and_an_org_ships_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "org" / "profiles").mkdir(parents=True)
    (tmp_path / "org" / "profiles" / "bank.yaml").write_text(
        "apiVersion: stackpolicy/v1\nkind: Profile\nname: bank\ntitle: Our bank\n"
        "rules:\n  SP-GOV-007: {params: {required_kinds: [access-policy]}}\n",
        encoding="utf-8",
    )
    (tmp_path / "stack.yaml").write_text(
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents:\n"
        "  - {name: api, kind: inference-service, owner: x}\n",
        encoding="utf-8",
    )
    (tmp_path / ".stackpolicy.yaml").write_text(
        "stack: [stack.yaml]\npolicies: {paths: [org]}\nprofile: [llm-applications, bank]\n",
        encoding="utf-8",
    )
    report = _check()
    [required] = [f for f in report["findings"] if f["policy_id"] == "SP-GOV-007"]
    assert required["message"] == (
        "the stack has no vector-store, guardrail, tracing, evaluation-suite, access-policy, "
        "which its profile requires"
    )
    (tmp_path / ".stackpolicy.yaml").write_text("profile: banc\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "stack.yaml"])
    assert result.exit_code == 2
    assert result.stderr.startswith(".stackpolicy.yaml:1:10: no profile 'banc'")


def _suite(tmp_path: Path, case: str) -> tuple[int, str]:
    (tmp_path / "p.yaml").write_text(
        (ROOT / "policies" / "governance" / "required-kinds.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    (tmp_path / "p_test.yaml").write_text(
        "apiVersion: stackpolicy/v1\nkind: PolicyTest\ncases:\n" + case, encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    return result.exit_code, result.stdout + result.stderr


def test_a_policy_test_case_runs_under_a_profile_and_checks_severities(tmp_path: Path) -> None:
    case = (
        "  - name: llm\n    profile: llm-applications\n"
        "    stack: {components: [{name: g, kind: guardrail}]}\n"
        "    expect:\n      - {policy: SP-GOV-007, severity: %s}\n"
    )
    assert _suite(tmp_path, case % "warning")[0] == 0
    code, out = _suite(tmp_path, case % "error")
    assert code == 1 and "FAIL  llm" in out


def test_a_policy_test_case_names_an_unknown_profile_at_its_line(tmp_path: Path) -> None:
    code, out = _suite(
        tmp_path,
        "  - name: x\n    profile: tabular\n    stack: {components: []}\n    expect: []\n",
    )
    assert code == 2
    assert "p_test.yaml:5:14: no profile 'tabular'; did you mean 'tabular-ml'?" in out


def test_rules_and_explain_show_the_library_a_profile_makes() -> None:
    def listed(*args: str) -> dict[str, str]:
        result = CliRunner().invoke(main, ["rules", "--no-config", "-f", "json", *args])
        assert result.exit_code == 0, result.stderr
        return {p["id"]: p["severity"] for p in json.loads(result.stdout)}

    full, llm = listed(), listed("--profile", "llm-applications")
    assert full["SP-OBS-004"] == "warning" and llm["SP-OBS-004"] == "error"
    assert "SP-EMB-004" in full and "SP-EMB-004" not in llm
    explained = CliRunner().invoke(
        main, ["explain", "SP-GOV-007", "--no-config", "--profile", "model-training"]
    )
    assert 'required_kinds = ["training-job", "experiment-tracker"' in explained.stdout
