"""The CEL seam: both backends must behave the same, down to error wording."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from stackpolicy import cel
from stackpolicy.cel import (
    BUDGET_MESSAGE,
    ITERATION_BUDGET,
    BackendUnavailable,
    CelCompileError,
    CelEvalError,
    PolicySource,
)

BACKENDS = ["celpy", "cel-expr"]

COMPONENT = {"name": "a", "owner": "x", "tags": ["a", "b"], "labels": {"a": "1"}}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> cel.Backend:
    try:
        return cel.backend(request.param)
    except BackendUnavailable:
        pytest.skip(f"{request.param} is not installed here")


def source(
    assertion: str,
    scope: str = "component",
    variables: tuple[tuple[str, str], ...] = (),
    **parts: str,
) -> PolicySource:
    return PolicySource("T-1", scope, variables, {"assert": assertion, **parts})


def evaluate(
    backend: cel.Backend,
    program_source: PolicySource,
    part: str = "assert",
    components: list[dict[str, Any]] | None = None,
    params: dict[str, Any] | None = None,
    subject: int | None = 0,
) -> Any:
    components = components if components is not None else [COMPONENT]
    stack = {"components": components, "by_name": {c["name"]: c for c in components}}
    binding = backend.bind(stack, components, {"T-1": params or {}})
    return binding.evaluate(backend.compile(program_source), part, subject)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("component.owner == 'x'", True),
        ("has(component.vendor)", False),
        ("component.tags.exists(t, t == 'b')", True),
        ("component.tags.map(t, t + '!')", ["a!", "b!"]),
        ("size(component.tags) * 2", 4),
        ("{'k': 1.5}", {"k": 1.5}),
        ("type(component.owner) == string", True),
        ("'a' in component.labels", True),
        ("'z' in component.labels", False),
        ("'b' in component.tags", True),
        ("stack.by_name['a'].owner", "x"),
        ("params.n + 1", 3),
        # The strings extension, on both backends.
        ("component.tags.join(', ')", "a, b"),
        ("component.tags.join()", "ab"),
        ("'a,b'.split(',')", ["a", "b"]),
        ("'AbC'.lowerAscii() + 'x'.upperAscii()", "abcX"),
        ("'  x '.trim()", "x"),
        ("'a-b'.replace('-', '+')", "a+b"),
        ("'abcb'.indexOf('b') + 'abcb'.lastIndexOf('b')", 4),
        ("'abc'.reverse()", "cba"),
    ],
)
def test_evaluate_returns_plain_python(
    backend: cel.Backend, expression: str, expected: Any
) -> None:
    assert evaluate(backend, source(expression), params={"n": 2}) == expected


def test_variables_are_evaluated_in_order(backend: cel.Backend) -> None:
    program = source(
        "variables.b",
        variables=(("a", "component.name + '!'"), ("b", "variables.a + params.s")),
    )
    assert evaluate(backend, program, params={"s": "?"}) == "a!?"


def test_subjects_and_stack_scope_messages(backend: cel.Backend) -> None:
    components = [{"name": "a"}, {"name": "b"}]
    program = source("size(stack.components) == 1", scope="stack", message="component.name")
    assert evaluate(backend, program, components=components, subject=None) is False
    assert evaluate(backend, program, "message", components=components, subject=1) == "b"


@pytest.mark.parametrize(
    ("expression", "scope", "position", "message"),
    [
        ("component.owner == &&", "component", (1, 20), "syntax error: unexpected '&&'"),
        ("component.owner ==", "component", (1, 19), "syntax error: unexpected end"),
        ("'open", "component", (1, 1), "syntax error: unexpected character"),
        ("stack.x &&\n  nope.y", "component", (2, 3), "undeclared reference to 'nope'"),
        ("[1].all(x, x > y)", "component", (1, 16), "undeclared reference to 'y'"),
        (
            "component.owner == 'x'",
            "stack",
            (1, 1),
            "undeclared reference to 'component' (expressions see params, stack, variables)",
        ),
    ],
)
def test_compile_errors_have_positions(
    backend: cel.Backend, expression: str, scope: str, position: tuple[int, int], message: str
) -> None:
    with pytest.raises(CelCompileError) as info:
        backend.compile(source(expression, scope=scope))
    assert info.value.part == "assert"
    assert (info.value.line, info.value.column) == position
    assert message in info.value.message


def test_compile_error_in_a_variable_names_it(backend: cel.Backend) -> None:
    with pytest.raises(CelCompileError) as info:
        backend.compile(source("true", variables=(("v", "1 +"),)))
    assert (info.value.part, info.value.line, info.value.column) == ("variables.v", 1, 4)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("1 / 0 == 1", "divide by zero"),
        ("component.missing == 1", "no such key: 'missing' (test optional fields with has())"),
        ("component.owner + 1 == 2", "no matching overload"),
    ],
)
def test_eval_errors_read_the_same_on_every_backend(
    backend: cel.Backend, expression: str, message: str
) -> None:
    with pytest.raises(CelEvalError) as info:
        evaluate(backend, source(expression))
    assert (info.value.part, info.value.message) == ("assert", message)


def test_eval_error_in_a_variable_names_it(backend: cel.Backend) -> None:
    with pytest.raises(CelEvalError) as info:
        evaluate(backend, source("variables.v", variables=(("v", "component.nope"),)))
    assert info.value.part == "variables.v"


@pytest.mark.parametrize(
    ("size", "fails"), [(ITERATION_BUDGET, False), (ITERATION_BUDGET + 1, True)]
)
def test_iteration_budget_is_the_same_on_every_backend(
    backend: cel.Backend, size: int, fails: bool
) -> None:
    components = [{"name": f"c{i}", "kind": "x"} for i in range(size)]
    program = source("stack.components.filter(c, c.kind == 'x').size() > 0", scope="stack")
    if fails:
        with pytest.raises(CelEvalError) as info:
            evaluate(backend, program, components=components, subject=None)
        assert info.value.message == BUDGET_MESSAGE
    else:
        assert evaluate(backend, program, components=components, subject=None) is True


def test_unknown_engine_is_a_usage_error() -> None:
    with pytest.raises(BackendUnavailable, match="unknown CEL engine 'v8'"):
        cel.backend("v8")


def _signature(function: Any) -> list[tuple[str, Any]]:
    parameters = inspect.signature(function).parameters.values()
    return [(p.name, p.kind) for p in parameters if p.name != "self"]


@pytest.mark.parametrize("name", sorted(cel.BACKENDS))
def test_every_registered_backend_matches_the_protocols(name: str) -> None:
    """mypy checks each registry entry against the Protocols; this says the
    same at run time, so a backend that drifts fails here too."""
    try:
        made = cel.backend(name)
    except BackendUnavailable:
        pytest.skip(f"{name} is not installed here")
    assert made.name == name
    assert _signature(type(made).compile) == _signature(cel.Backend.compile)
    assert _signature(type(made).bind) == _signature(cel.Backend.bind)
    binding = made.bind({"components": []}, [], {})
    assert _signature(type(binding).evaluate) == _signature(cel.Binding.evaluate)
    program = made.compile(source("true"))
    assert program.source == source("true")
    assert binding.evaluate(program, "assert", None) is True


# The dialect, enforced at load on every engine (docs/cel-dialect.md).


@pytest.mark.parametrize(
    ("expression", "position", "message"),
    [
        ("'abc'.charAt(1) == 'b'", (1, 7), "unknown function 'charAt'"),
        ("'abc'.substring(1) == 'bc'", (1, 7), "unknown function 'substring'"),
        ("'%s'.format(['x']) == 'x'", (1, 6), "unknown function 'format'"),
        ("'abc'.indexOf('b', 1) == 1", (1, 7), "indexOf() takes 1 argument(s), not 2"),
        ("cel.bind(x, 1, x) == 1", (1, 1), "undeclared reference to 'cel'"),
        (
            "!has(component.x) || component.owner.startswih('t')",
            (1, 38),
            "unknown function 'startswih': it is not in the stackpolicy CEL dialect"
            " (did you mean 'startsWith'?)",
        ),
        ("1u == 1u", (1, 1), "unsigned integer literals (1u) are not in the dialect"),
        ("'\\q' == 'q'", (1, 1), "invalid string literal: unknown escape \\q"),
        ("size('a', 'b') == 1", (1, 1), "size() takes 1 argument(s), not 2"),
    ],
)
def test_outside_the_dialect_is_a_load_error_on_every_engine(
    backend: cel.Backend, expression: str, position: tuple[int, int], message: str
) -> None:
    with pytest.raises(CelCompileError) as info:
        backend.compile(source(expression))
    assert (info.value.line, info.value.column) == position
    assert message in info.value.message


def test_map_keys_are_visited_in_sorted_order(backend: cel.Backend) -> None:
    labels = {"team": 1, "env": 2, "zone": 3, "app": 4}
    component = {"name": "a", "labels": labels}
    expression = "{'team':1,'env':2,'zone':3,'app':4}.map(k, k).join(',') + ';' + "
    expression += "component.labels.filter(k, true).join(',')"
    assert evaluate(backend, source(expression), components=[component]) == (
        "app,env,team,zone;app,env,team,zone"
    )
    assert list(evaluate(backend, source("{'b': 1, 'a': 2, 'c': 3}"))) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("string(1000000.0)", "1e+06"),
        ("string(123456.0)", "123456"),
        ("string(0.1 + 0.2)", "0.30000000000000004"),
        ("string(0.0 / 0.0)", "NaN"),
        ("string(-1.0 / 0.0)", "-Infinity"),
        ("string(true)", "true"),
        ("dyn(1) == 1.0 && dyn(3) in [5.0, 3.0] && !(dyn(1) == null)", True),
        ("[1, 'foo'].exists(e, e == '10')", False),
        ("'abc'.split('')", ["a", "b", "c"]),
        ("'\\x1c a \\x1f'.trim()", "\x1c a \x1f"),
        ("'''a\nb''' + ' \\? \\` \\X41'", "a\nb ? ` A"),
        ("[1, 2, 3].all(e, 6 / (2 - e) == 6)", False),
    ],
)
def test_spec_semantics_on_every_engine(
    backend: cel.Backend, expression: str, expected: Any
) -> None:
    assert evaluate(backend, source(expression)) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("[1, 2][-1] == 1", "index out of range: -1 (list size 2)"),
        ("9223372036854775807 + 1 == 0", "integer overflow"),
        ("int(-9223372036854775808.0) == 0", "int() of a double out of the int range"),
        ("int('0x10') == 16", "cannot convert string to int"),
        ("double('1_0') == 10.0", "cannot convert string to double"),
        ("1 + 1.0 == 2.0", "no matching overload"),
        ("5 % 0 == 0", "modulus by zero"),
    ],
)
def test_run_time_errors_have_one_wording_and_phase(
    backend: cel.Backend, expression: str, message: str
) -> None:
    program = backend.compile(source(expression))  # type errors are not load errors
    stack = {"components": [COMPONENT], "by_name": {"a": COMPONENT}}
    binding = backend.bind(stack, [COMPONENT], {"T-1": {}})
    with pytest.raises(CelEvalError) as info:
        binding.evaluate(program, "assert", 0)
    assert info.value.message == message


def test_a_trailing_comment_in_a_variable_is_harmless(backend: cel.Backend) -> None:
    program = source("variables.v == 2", variables=(("v", "1 + 1 // two"),))
    assert evaluate(backend, program) is True


def _nested(levels: int) -> str:
    """A part exactly `levels` deep by the dialect's count: parentheses
    around a literal (each pair one level, the literal one)."""
    return "(" * (levels - 1) + "1" + ")" * (levels - 1) + " == 1"


@pytest.mark.parametrize("variables", [0, 1, 5])
def test_the_depth_limit_counts_the_wrapper(backend: cel.Backend, variables: int) -> None:
    from stackpolicy.cel import dialect

    defined = tuple((f"v{i}", "1") for i in range(variables))
    room = dialect.MAX_DEPTH - dialect.wrapper_depth(True, variables)
    # `x == 1` adds one level above the parentheses.
    assert evaluate(backend, source(_nested(room - 1), variables=defined)) is True
    with pytest.raises(CelCompileError, match="nested too deeply"):
        backend.compile(source(_nested(room), variables=defined))
    nested_list = "[" * (room - 2) + "1" + "]" * (room - 2) + " != []"
    assert evaluate(backend, source(nested_list, variables=defined)) is True


@pytest.mark.parametrize(
    ("text", "sees"),
    [
        ("stack.by_name[x].kind == 'a' && stack.by_kind['m'].size() > 0", False),
        ("stack . by_layer['x'] == [] && stack.name == stack.org", False),
        ("'the stack' + component.name // not stack.components\n", False),
        ("stack.components.size() > 0", True),
        ("stack['components'] == []", True),
        ("stack.size() > 0", True),
        ("[1].all(stack, stack.by_name == 1)", True),
        ("r'\\\\' + string(stack) + 'stack'", True),
        ("stack.by_namex", True),
    ],
)
def test_cel_expr_binds_stack_components_only_for_a_policy_that_may_read_them(
    text: str, sees: bool
) -> None:
    cel_expr_backend = pytest.importorskip("stackpolicy.cel.cel_expr_backend")
    assert cel_expr_backend._text_sees_components(text) is sees


@pytest.mark.parametrize(
    "expression",
    [
        "{'a': 1, 'b': 2}['b'] == 2 && 'a' in {'a': 1} && !('c' in {'a': 1})",
        "{'x': {'y': [1]}}['x']['y'] == [1] && !has({'x': 1}.y) && has({'x': 1}.x)",
        "{1: 'one', 2: 'two'}[2] == 'two' && {true: 't'}[true] == 't' && !(3 in {1: 2})",
    ],
)
def test_map_lookups_by_string_and_by_number(backend: cel.Backend, expression: str) -> None:
    # cel-python looks a string key up by hash, a number by equal value.
    assert evaluate(backend, source(expression)) is True


def test_a_missing_string_key_is_the_same_error_everywhere(backend: cel.Backend) -> None:
    with pytest.raises(CelEvalError) as info:
        evaluate(backend, source("{'a': 1}['b'] == 1"))
    assert info.value.message == cel.missing_key("b")
