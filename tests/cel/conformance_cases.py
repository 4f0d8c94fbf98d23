"""Running the extracted CEL conformance cases (conformance.json) through the seam.

Shared by test_conformance.py and measure.py. Each case is one `assert`
part of a stack-scope policy, compiled, bound to an empty stack and
evaluated the way the engine evaluates policies.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from stackpolicy import cel
from stackpolicy.cel import CelCompileError, CelEvalError, PolicySource

DATA = Path(__file__).resolve().parent / "conformance.json"


def cases() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))
    return loaded


def expression(case: dict[str, Any]) -> str:
    """A part cannot return a type value, so a case expecting one asks
    whether the expression equals that type instead."""
    value = case.get("value", {})
    if "typeValue" in value:
        return f"({case['expr']}) == {value['typeValue']}"
    return str(case["expr"])


def run(backend: cel.AnyBackend, case: dict[str, Any]) -> tuple[str, Any]:
    """("value", typed value) | ("error", message) | ("rejected", message)."""
    source = PolicySource("CONF", "stack", (), {"assert": expression(case)})
    try:
        program = backend.compile(source)
    except CelCompileError as exc:
        return "rejected", f"{exc.line}:{exc.column}: {exc.message}"
    except Exception as exc:  # a traceback in the seam: reported, never matches
        return "crash", f"{type(exc).__name__}: {exc}"
    binding = backend.bind({"components": []}, [], {"CONF": {}})
    try:
        return "value", typed(binding.evaluate(program, "assert", None))
    except CelEvalError as exc:
        return "error", exc.message
    except Exception as exc:
        return "crash", f"{type(exc).__name__}: {exc}"


def typed(value: Any) -> Any:
    """Plain Python as a comparable tagged form: 1, 1.0 and True differ."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int):
        return ("int", value)
    if isinstance(value, float):
        return ("double", "NaN" if math.isnan(value) else value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    if isinstance(value, list):
        return ("list", tuple(typed(v) for v in value))
    if isinstance(value, dict):
        return ("map", frozenset((typed(k), typed(v)) for k, v in value.items()))
    return ("other", repr(value))


def expected(value: dict[str, Any]) -> Any:
    """The conformance file's protobuf-JSON value in the same tagged form."""
    (kind, inner), *_ = value.items()
    if kind == "boolValue":
        return ("bool", inner)
    if kind == "int64Value":
        return ("int", int(inner))
    if kind == "doubleValue":
        number = float(inner)
        return ("double", "NaN" if math.isnan(number) else number)
    if kind == "stringValue":
        return ("string", inner)
    if kind == "nullValue":
        return ("null", None)
    if kind == "typeValue":
        return ("bool", True)
    if kind == "listValue":
        return ("list", tuple(expected(v) for v in inner.get("values", [])))
    if kind == "mapValue":
        entries = inner.get("entries", [])
        return ("map", frozenset((expected(e["key"]), expected(e["value"])) for e in entries))
    raise ValueError(f"unexpected value kind {kind}")


def matches_spec(case: dict[str, Any], outcome: tuple[str, Any]) -> bool:
    kind, result = outcome
    if case["kind"] == "value":
        return kind == "value" and bool(result == expected(case["value"]))
    if case["kind"] == "error":
        return kind == "error"
    # Outside the dialect: refused at load, with the dialect's message.
    return kind == "rejected" and str(result).endswith(case["message"])
