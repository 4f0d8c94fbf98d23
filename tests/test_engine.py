from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import STACK_HEAD
from conftest import default_backend as backend
from stackpolicy.engine import Evaluation, evaluate
from stackpolicy.inputs import load_stack
from stackpolicy.policyfile import load_policies
from stackpolicy.rules import STACK_RULES
from stackpolicy.rules.cel import stack_data
from stackpolicy.settings import DEFAULT_POLICY_TIMEOUT, POLICY_MEMORY_BYTES

Write = Callable[[str, str], Path]

STACK = (
    STACK_HEAD
    + """\
  - name: svc
    kind: inference-service
    owner: team-a
    model: llm
  - name: bare-svc
    kind: inference-service
  - name: mon
    kind: monitor
    owner: team-a
    targets: [svc]
  - name: llm
    kind: model
    owner: team-b
    environment: production
"""
)

POLICY_HEAD = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-001
    title: The title
    description: d
    severity: warning
    layer: inference
"""


def run(write: Write, body: str, stack: str = STACK) -> Evaluation:
    write("stack.yaml", stack)
    write("p.yaml", POLICY_HEAD + body)
    cel = backend()
    loaded = load_policies([Path("p.yaml")], cel)
    assert loaded.errors == ()
    rules = [*STACK_RULES, *loaded.policies]
    stack = load_stack([Path("stack.yaml")]).stack
    return evaluate(stack, rules, cel, DEFAULT_POLICY_TIMEOUT, POLICY_MEMORY_BYTES)


def findings(result: Evaluation) -> list[tuple[str, str, str | None, str]]:
    return [(str(f.location), f.policy_id, f.component, f.message) for f in result.findings]


def test_component_scope_with_kinds_and_message(write: Write) -> None:
    result = run(
        write,
        """\
    scope: component
    kinds: [inference-service]
    assert: component.referrers.targets.exists(n, stack.by_name[n].kind == 'monitor')
    message: component.name + ' has no monitor'
""",
    )
    assert findings(result) == [("stack.yaml:9:11", "T-001", "bare-svc", "bare-svc has no monitor")]
    assert result.errors == ()


def test_match_field_params_and_variables(write: Write) -> None:
    result = run(
        write,
        """\
    scope: component
    field: owner
    params: {owners: [team-a]}
    variables:
      - {name: owner, expression: "has(component.owner) ? component.owner : ''"}
      - {name: known, expression: variables.owner in params.owners}
    match: variables.owner != ''
    assert: variables.known
""",
    )
    # llm's owner is not in the list: the finding points at its owner field.
    assert findings(result) == [("stack.yaml:17:12", "T-001", "llm", "The title")]


def test_stack_scope_locates_components(write: Write) -> None:
    result = run(
        write,
        """\
    scope: stack
    assert: size(stack.by_kind['inference-service']) <= 1
    locate: stack.by_kind['inference-service']
    message: component.name + ' is one of ' + string(size(stack.by_kind['inference-service']))
""",
    )
    assert findings(result) == [
        ("stack.yaml:5:11", "T-001", "svc", "svc is one of 2"),
        ("stack.yaml:9:11", "T-001", "bare-svc", "bare-svc is one of 2"),
    ]


def test_stack_scope_without_subjects_points_at_components_key(write: Write) -> None:
    result = run(write, "    scope: stack\n    assert: size(stack.by_layer.governance) > 0\n")
    assert findings(result) == [("stack.yaml:4:1", "T-001", None, "The title")]
    assert result.findings[0].layer == "inference"


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "    scope: component\n    assert: size(component.name)\n",
            "p.yaml:10:13: T-001 on component 'svc': assert: expected a bool, got int "
            "(and 3 more components)",
        ),
        (
            "    scope: component\n    kinds: [model]\n    assert: component.owner == 'x'\n"
            "    message: '42'\n",
            "p.yaml:12:14: T-001 on component 'llm': message: expected a string, got int",
        ),
        (
            "    scope: component\n    kinds: [inference-service]\n"
            "    assert: component.owner != ''\n",
            "p.yaml:11:13: T-001 on component 'bare-svc': assert: no such key: 'owner' "
            "(test optional fields with has())",
        ),
        (
            "    scope: stack\n    assert: 1 / (size(stack.components) - 4) == 0\n",
            "p.yaml:10:13: T-001: assert: divide by zero",
        ),
        (
            "    scope: stack\n    assert: 'false'\n    locate: \"['svc', 'ghost']\"\n",
            "p.yaml:11:13: T-001: locate: 'ghost' is not a component of the stack",
        ),
        (
            "    scope: stack\n    assert: 'false'\n    locate: \"'svc'\"\n",
            "p.yaml:11:13: T-001: locate: expected a list of component names, got string",
        ),
    ],
)
def test_runtime_errors_name_policy_component_and_position(
    write: Write, body: str, error: str
) -> None:
    result = run(write, body)
    assert [str(e) for e in result.errors] == [error]


def test_a_failing_policy_does_not_stop_the_others(write: Write) -> None:
    body = (
        "    scope: stack\n    assert: 1 / 0 == 1\n"
        + POLICY_HEAD.split("policies:\n")[1].replace("T-001", "T-002")
        + "    scope: stack\n    assert: 'false'\n"
    )
    result = run(write, body)
    assert [f.policy_id for f in result.findings] == ["T-002"]
    assert len(result.errors) == 1


def test_dangling_and_self_references_are_findings_at_the_reference(write: Write) -> None:
    stack = (
        STACK_HEAD
        + """\
  - name: a
    kind: pipeline
    depends_on: [b, ghost]
    orchestrated_by: a
  - name: b
    kind: warehouse
"""
    )
    result = run(write, "    scope: stack\n    assert: 'true'\n", stack)
    assert findings(result) == [
        (
            "stack.yaml:7:21",
            "SP-REF-001",
            "a",
            "a (pipeline): depends_on 'ghost' is not a component of the stack",
        ),
        (
            "stack.yaml:8:22",
            "SP-REF-001",
            "a",
            "a (pipeline): orchestrated_by 'a' refers to itself",
        ),
    ]


def test_indexes(write: Write) -> None:
    write("stack.yaml", STACK)
    data, components = stack_data(load_stack([Path("stack.yaml")]).stack)
    assert list(data["by_name"]) == ["svc", "bare-svc", "mon", "llm"]
    assert data["by_kind"]["inference-service"] == ["svc", "bare-svc"]
    assert data["by_kind"]["vector-store"] == []
    assert data["by_layer"]["observability"] == ["mon"]
    assert data["by_name"]["svc"]["referrers"]["targets"] == ["mon"]
    assert data["by_name"]["llm"]["referrers"]["model"] == ["svc"]
    assert components[1]["labels"] == {} and components[1]["depends_on"] == []
    assert components[0] is data["by_name"]["svc"]


def test_long_dependency_chains_and_cycles_need_no_recursion(write: Write) -> None:
    chain = "".join(
        f"  - {{name: c{i}, kind: pipeline, depends_on: [c{i + 1}]}}\n" for i in range(3000)
    )
    stack = STACK_HEAD + chain + "  - {name: c3000, kind: pipeline, depends_on: [c0]}\n"
    result = run(write, "    scope: stack\n    assert: 'true'\n", stack)
    [cycle] = [f for f in result.findings if f.policy_id == "SP-REF-002"]
    assert cycle.component == "c3000"
    assert cycle.message.startswith("dependency cycle: c0 -> c1 -> c2")
    assert cycle.location.line == 3005
