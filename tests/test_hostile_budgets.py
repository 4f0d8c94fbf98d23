"""Issue 13, budgets: the time budget holds inside one evaluation and for
stack-scope rules, memory is bounded, on both engines; the rule that runs out
gets one located error naming it and every other rule's findings are kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import STACK_HEAD
from conftest import default_backend as backend
from stackpolicy.cli import main
from stackpolicy.engine import evaluate, run_rules
from stackpolicy.inputs import load_stack
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.policyfile import load_policies
from stackpolicy.rules.base import Checked
from stackpolicy.worker import Budgets, WorkerBug, available

Write = Callable[[str, str], Path]

pytestmark = pytest.mark.skipif(not available(), reason="the bounded worker needs fork (Linux)")

STACK = STACK_HEAD + "  - {name: svc, kind: warehouse, owner: a}\n"

# 'x' grown tenfold `n` times: 10**n characters.
GROW = "'x'" + ".replace('x', 'xxxxxxxxxx')" * 7
HUNDRED = "[" + ", ".join(str(i) for i in range(99)) + "]"


def policy(policy_id: str, scope: str, assertion: str) -> str:
    return f"""\
  - id: {policy_id}
    title: t
    description: d
    severity: error
    layer: governance
    scope: {scope}
    assert: "{assertion}"
"""


POLICIES = (
    "apiVersion: stackpolicy/v1\nkind: PolicySet\npolicies:\n"
    # ~10,000 replace calls over a 10 MB string: minutes, in one evaluation.
    + policy(
        "X-SLOW-001",
        "stack",
        f"{HUNDRED}.all(i, {HUNDRED}.all(j, {GROW}.replace('x', 'y').size() > 0))",
    )
    + policy("X-SLOW-002", "component", f"{HUNDRED}.all(i, {GROW}.replace('x', 'y') != '')")
    # 10**10 characters.
    + policy("X-MEM-001", "component", GROW + ".replace('x', 'xxxxxxxxxx')" * 3 + " != ''")
    + policy("X-OK-001", "component", "component.name != 'svc'")
)


def evaluate_policies(
    write: Write, seconds: float, memory: int, policies: str = POLICIES
) -> tuple[list[str], list[str]]:
    write("stack.yaml", STACK)
    write("p.yaml", policies)
    cel = backend()
    loaded = load_policies([Path("p.yaml")], cel)
    assert loaded.errors == ()
    stack = load_stack([Path("stack.yaml")]).stack
    result = evaluate(stack, loaded.policies, cel, seconds, memory)
    findings = [f"{f.policy_id} {f.location}" for f in result.findings]
    return findings, [f"{e.location}: {e.message}" for e in result.errors]


def test_the_time_budget_stops_one_evaluation_and_keeps_the_others(write: Write) -> None:
    findings, errors = evaluate_policies(write, 1.0, 256 * 1024 * 1024)
    assert findings == ["X-OK-001 stack.yaml:5:12"]
    assert errors[:2] == [
        "p.yaml:4:9: X-SLOW-001: stopped after 1 s, inside one evaluation "
        "(the policy time budget, --policy-timeout)",
        "p.yaml:11:9: X-SLOW-002: stopped after 1 s, inside one evaluation "
        "(the policy time budget, --policy-timeout)",
    ]
    # X-MEM-001 needs 10 GB: out of memory or out of time, it is stopped.
    assert errors[2].startswith("p.yaml:18:9: X-MEM-001: stopped")


def test_the_memory_budget_stops_one_evaluation_and_keeps_the_others(write: Write) -> None:
    head, _, rest = POLICIES.partition("  - id: X-SLOW-001")
    policies = head + "  - id: X-MEM-001" + rest.partition("  - id: X-MEM-001")[2]
    findings, errors = evaluate_policies(write, 30.0, 64 * 1024 * 1024, policies)
    assert findings == ["X-OK-001 stack.yaml:5:12"]
    assert errors == [
        "p.yaml:4:9: X-MEM-001: stopped: evaluation exceeded the memory budget (64 MiB)"
    ]


def test_cli_policy_timeout_holds_inside_one_evaluation(write: Write) -> None:
    write("stack.yaml", STACK)
    slow = POLICIES.split("  - id: X-SLOW-002")[0]
    write("p.yaml", slow + policy("X-OK-001", "component", "false"))
    result = CliRunner().invoke(
        main, ["check", "--no-config", "-p", "p.yaml", "--policy-timeout", "0.5", "stack.yaml"]
    )
    assert result.exit_code == 2, result.output
    assert result.stdout.startswith("stack.yaml:5:12: error X-OK-001 t\n")
    assert result.stderr == (
        "p.yaml:4:9: X-SLOW-001: stopped after 0.5 s, inside one evaluation "
        "(the policy time budget, --policy-timeout)\n"
    )


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "86401"])
def test_a_policy_timeout_that_is_no_budget_is_refused(write: Write, value: str) -> None:
    write("stack.yaml", STACK)
    result = CliRunner().invoke(
        main, ["check", "--no-config", "stack.yaml", f"--policy-timeout={value}"]
    )
    assert result.exit_code == 2
    assert "--policy-timeout" in result.stderr and result.stdout == ""


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (".nan", "policy_timeout must be a number of seconds above 0, not NaN"),
        (".inf", "policy_timeout: inf is greater than the maximum of 86400"),
        ("-1", "policy_timeout: -1 is less than or equal to the minimum of 0"),
        ("0", "policy_timeout: 0 is less than or equal to the minimum of 0"),
    ],
)
def test_a_configured_policy_timeout_that_is_no_budget_is_refused(
    write: Write, value: str, error: str
) -> None:
    write("stack.yaml", STACK)
    write(".stackpolicy.yaml", f"fail_on: error\npolicy_timeout: {value}\n")
    result = CliRunner().invoke(main, ["check", "stack.yaml"])
    assert result.exit_code == 2
    assert result.stderr == f".stackpolicy.yaml:2:17: {error}\n"


class _Broken:
    """A rule with a bug: the worker reports it, the run exits 3."""

    policy = Policy(
        id="X-BUG-001",
        title="t",
        description="d",
        severity="error",
        layer="governance",
        scope="stack",
        location=Location("p.yaml"),
    )

    def with_policy(self, policy: Policy) -> _Broken:
        return self

    def check(self, context: object) -> Checked:
        raise RuntimeError("a bug in a rule")


def test_a_bug_in_the_worker_is_a_bug_in_the_run() -> None:
    with pytest.raises(WorkerBug, match="RuntimeError: a bug in a rule"):
        run_rules([_Broken()], None, Budgets(5.0, 64 * 1024 * 1024))


def test_without_a_process_to_fork_the_rules_still_run(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_fork() -> int:
        raise BlockingIOError("Resource temporarily unavailable")

    monkeypatch.setattr("stackpolicy.worker.os.fork", no_fork)
    policies = POLICIES.partition("  - id: X-SLOW-001")[0] + policy(
        "X-OK-001", "component", "component.name != 'svc'"
    )
    findings, errors = evaluate_policies(write, 5.0, 64 * 1024 * 1024, policies)
    assert (findings, errors) == (["X-OK-001 stack.yaml:5:12"], [])
