"""A component-scope policy is judged a chunk of components per evaluation
(`Binding.failing`, `Binding.messages`); whatever happens inside a chunk,
findings, messages, their order and errors must be exactly those of one
evaluation per component."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import STACK_HEAD
from stackpolicy import cel
from stackpolicy.engine import Evaluation, evaluate
from stackpolicy.inputs import load_stack
from stackpolicy.policyfile import load_policies
from stackpolicy.rules import cel as rules_cel
from stackpolicy.settings import DEFAULT_POLICY_TIMEOUT, POLICY_MEMORY_BYTES

Write = Callable[[str, str], Path]

SIZE = 150  # three chunks, the last one short
STACK = STACK_HEAD + "".join(
    f"  - {{name: c-{i:03d}, kind: model, owner: team-{i % 7}}}\n" for i in range(SIZE)
)
HEAD = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-001
    title: The title
    description: d
    severity: warning
    layer: training
    scope: component
"""
BAD = "c-070"  # in the second chunk


def run(write: Write, engine: str, body: str) -> Evaluation:
    write("stack.yaml", STACK)
    write("p.yaml", HEAD + body)
    backend = cel.backend(engine)
    loaded = load_policies([Path("p.yaml")], backend)
    assert loaded.errors == ()
    stack = load_stack([Path("stack.yaml")]).stack
    return evaluate(stack, loaded.policies, backend, DEFAULT_POLICY_TIMEOUT, POLICY_MEMORY_BYTES)


def outcome(result: Evaluation) -> tuple[list[tuple[str, str | None, str]], list[str]]:
    found = [(str(f.location), f.component, f.message) for f in result.findings]
    return found, [str(e) for e in result.errors]


def one_by_one(write: Write, engine: str, body: str, monkeypatch: pytest.MonkeyPatch) -> Evaluation:
    with monkeypatch.context() as patch:
        patch.setattr(rules_cel, "CHUNK", 1)  # a chunk of one is never batched
        return run(write, engine, body)


ENGINES = pytest.mark.parametrize("engine", list(cel.BACKENDS))

CASES = {
    "clean": "    assert: component.name.endsWith('5') == false\n"
    "    message: \"'ends with 5: ' + component.name\"\n",
    "error in assert": f"    assert: component.name != '{BAD}' || 1 / 0 == 1\n",
    "error in match, absorbed by && in a batch": (
        f"    match: component.name != '{BAD}' || 1 / 0 == 1\n"
        "    assert: component.name.endsWith('3') == false\n"
    ),
    "assert not a bool": (
        f"    assert: \"component.name == '{BAD}' ? 'x' : !component.name.endsWith('1')\"\n"
    ),
    "over the budget on one component": (
        # Only the bad component walks the stack for each component.
        f"    assert: \"!(component.name == '{BAD}' ? stack.components : [])"
        '.all(a, stack.components.all(b, true))"\n'
        "    message: component.owner\n"
    ),
    "over the budget only as a chunk": (
        "    assert: stack.components.all(a, true) && stack.components.all(a, true)"
        " && component.name.endsWith('7') == false\n"
    ),
    "message fails on one component": (
        "    assert: component.name.endsWith('0') == false\n"
        f"    message: \"component.name == '{BAD}' ? string(1 / 0) : component.name\"\n"
    ),
    "message not a string on one component": (
        "    assert: component.name.endsWith('0') == false\n"
        f"    message: \"component.name == '{BAD}' ? 1 : component.name\"\n"
    ),
    "variable fails on one component": (
        "    variables:\n"
        "      - name: odd\n"
        f"        expression: \"component.name == '{BAD}' ? 1 / 0 : 1\"\n"
        "    assert: variables.odd == 1 && !component.name.endsWith('9')\n"
    ),
}


@ENGINES
@pytest.mark.parametrize("body", CASES.values(), ids=CASES.keys())
def test_batches_find_exactly_what_one_by_one_finds(
    write: Write, engine: str, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batched = run(write, engine, body)
    alone = one_by_one(write, engine, body, monkeypatch)
    assert outcome(batched) == outcome(alone)
    assert alone.evaluations >= SIZE


@ENGINES
def test_an_error_on_one_component_keeps_the_others_findings(write: Write, engine: str) -> None:
    result = run(write, engine, CASES["over the budget on one component"])
    found, errors = outcome(result)
    assert [component for _, component, _ in found] == [
        f"c-{i:03d}" for i in range(SIZE) if i != 70
    ]
    assert [message for _, _, message in found][:2] == ["team-0", "team-1"]
    assert len(errors) == 1
    assert (
        f"T-001 on component '{BAD}': assert: evaluation exceeded the iteration budget" in errors[0]
    )


@ENGINES
def test_an_error_in_match_is_reported_even_where_assert_is_false(
    write: Write, engine: str
) -> None:
    found, errors = outcome(run(write, engine, CASES["error in match, absorbed by && in a batch"]))
    assert [c for _, c, _ in found] == [f"c-{i:03d}" for i in range(SIZE) if i % 10 == 3]
    assert len(errors) == 1 and f"on component '{BAD}': match: divide by zero" in errors[0]


def test_cel_expr_judges_a_clean_chunk_in_one_evaluation(write: Write) -> None:
    # 3 chunks for the assert, 3 for the messages of the 15 failing components.
    assert run(write, "cel-expr", CASES["clean"]).evaluations == 6


LEAN = "    assert: stack.by_name[component.name].owner != 'team-3'\n"
READS_COMPONENTS = (
    "    assert: \"stack['components'].filter(c, c.owner == component.owner).size() < 22\"\n"
)


@ENGINES
@pytest.mark.parametrize(
    "body",
    [
        LEAN,
        READS_COMPONENTS,
        LEAN + HEAD.split("policies:\n")[1].replace("T-001", "T-002") + READS_COMPONENTS,
    ],
    ids=["lean", "reads components", "both"],
)
def test_a_policy_that_reads_stack_components_sees_them(
    write: Write, engine: str, body: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cel-expr binds `stack.components` only for a policy that may read them.
    batched, alone = run(write, engine, body), one_by_one(write, engine, body, monkeypatch)
    assert outcome(batched) == outcome(alone)
    assert outcome(batched)[1] == []
    lean = {i for i in range(SIZE) if i % 7 == 3}
    reads = {i for i in range(SIZE) if i % 7 < 3}  # 22 components each
    expected = (lean if body.startswith(LEAN) else set()) | (
        reads if READS_COMPONENTS in body else set()
    )
    assert {int(c[2:]) for _, c, _ in outcome(batched)[0] if c} == expected
