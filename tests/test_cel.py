from __future__ import annotations

from typing import Any

import pytest

from stackpolicy.cel import CelCompileError, CelEvalError, backend

NAMES = {"component", "stack", "params", "variables"}


def run(source: str, **activation: Any) -> Any:
    cel = backend()
    converted = dict(zip(activation, cel.convert(list(activation.values())), strict=True))
    return cel.compile(source, NAMES).evaluate(converted)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("component.owner == 'x'", True),
        ("has(component.vendor)", False),
        ("component.tags.exists(t, t == 'b')", True),
        ("component.tags.map(t, t + '!')", ["a!", "b!"]),
        ("size(component.tags) * 2", 4),
        ("{'k': 1.5}", {"k": 1.5}),
        ("type(component.owner) == string", True),
    ],
)
def test_evaluate_returns_plain_python(source: str, expected: Any) -> None:
    assert run(source, component={"owner": "x", "tags": ["a", "b"]}) == expected


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("component.owner == &&", (1, 20), "syntax error: unexpected '&&'"),
        ("component.owner ==", (1, 17), "syntax error: unexpected end"),
        ("'open", (1, 1), "syntax error: unexpected character"),
        ("stack.x &&\n  nope.y", (2, 3), "undeclared reference to 'nope'"),
        ("[1].all(x, x > y)", (1, 16), "undeclared reference to 'y'"),
    ],
)
def test_compile_errors_have_positions(
    source: str, position: tuple[int, int], message: str
) -> None:
    with pytest.raises(CelCompileError) as info:
        backend().compile(source, NAMES)
    assert (info.value.line, info.value.column) == position
    assert message in info.value.message


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("1 / 0 == 1", "divide by zero"),
        ("component.missing == 1", "no such key: 'missing' (test optional fields with has())"),
        ("component.owner + 1 == 2", "no matching overload"),
    ],
)
def test_eval_errors_are_short(source: str, message: str) -> None:
    with pytest.raises(CelEvalError) as info:
        run(source, component={"owner": "x"})
    assert message in str(info.value)
    assert "activation" not in str(info.value)


def test_shared_objects_are_converted_once() -> None:
    shared = {"name": "a"}
    stack, component = backend().convert([{"all": [shared], "by_name": {"a": shared}}, shared])
    assert stack["all"][0] is component
    assert stack["by_name"]["a"] is component


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'a' in component.labels", True),
        ("'z' in component.labels", False),
        ("'b' in component.tags", True),
        ("component.tags.join(', ')", "a, b"),
        ("component.tags.join()", "ab"),
    ],
)
def test_stackpolicy_functions(source: str, expected: Any) -> None:
    assert run(source, component={"labels": {"a": "1"}, "tags": ["a", "b"]}) == expected


def test_join_needs_strings() -> None:
    with pytest.raises(CelEvalError, match="join needs a list of strings"):
        run("[1, 2].join(',')")
