"""Tuning applies to every rule the same way, before anything runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import OWNERS, STACK_HEAD
from stackpolicy.cli import main
from stackpolicy.rules.references import References

Write = Callable[[str, str], Path]

DANGLING = STACK_HEAD + "  - {name: svc, kind: inference-service, owner: a, model: nope}\n"


def check(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", "s.yaml", "-p", OWNERS, "-f", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_a_disabled_builtin_rule_does_not_run(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def must_not_run(self: References, context: object) -> None:
        raise AssertionError("a disabled rule ran")

    monkeypatch.setattr(References, "check", must_not_run)
    write("s.yaml", DANGLING)
    write(".stackpolicy.yaml", "rules:\n  SP-REF-001:\n    enabled: false\n")
    code, doc = check()
    assert code == 0
    assert "SP-REF-001" not in {f["policy_id"] for f in doc["findings"]}


@pytest.mark.parametrize("severity", ["warning", "note"])
def test_a_builtin_rule_reports_its_tuned_severity(write: Write, severity: str) -> None:
    write("s.yaml", DANGLING)
    write(".stackpolicy.yaml", f"rules:\n  SP-REF-*:\n    severity: {severity}\n")
    code, doc = check("--fail-on", "note")
    assert code == 1
    assert [(f["policy_id"], f["severity"]) for f in doc["findings"]] == [("SP-REF-001", severity)]


def test_a_waiver_rule_is_tuned_like_any_other(write: Write) -> None:
    write("s.yaml", DANGLING)
    write(
        ".stackpolicy.yaml",
        "rules:\n  SP-WVR-001:\n    severity: note\n"
        "waivers:\n  - {policy: SP-REF-001, component: svc, reason: r, owner: o, "
        "expires: 2020-01-01}\n",
    )
    code, doc = check("--fail-on", "warning")
    assert code == 1  # the expired waiver no longer hides SP-REF-001
    severities = {f["policy_id"]: f["severity"] for f in doc["findings"]}
    assert severities == {"SP-REF-001": "error", "SP-WVR-001": "note"}


def test_a_policy_may_not_take_a_builtin_rules_id(write: Write) -> None:
    write("s.yaml", DANGLING)
    write("p.yaml", Path(OWNERS).read_text(encoding="utf-8").replace("T-OWN-001", "SP-REF-001"))
    result = CliRunner().invoke(main, ["check", "s.yaml", "-p", "p.yaml"])
    assert result.exit_code == 2
    assert "policy id 'SP-REF-001' is a built-in rule's: choose another id" in result.stderr
