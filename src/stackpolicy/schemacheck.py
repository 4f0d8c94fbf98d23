"""Validate a YAML document against one of the bundled JSON Schemas, with
every error placed at the line of the offending key or value.

fastjsonschema's generated code checks a document first (~12x faster than
jsonschema on a 10,000-component stack); only a document it rejects goes to
jsonschema, which finds and words every error. So the messages and their
positions are jsonschema's, and jsonschema is not even imported on a clean
run. tests/test_schema_prefilter.py checks that the prefilter never accepts a
document jsonschema rejects, over every bundled schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import fastjsonschema

from stackpolicy.errors import StackpolicyError
from stackpolicy.resources import schema
from stackpolicy.suggest import did_you_mean
from stackpolicy.yamlload import Document, PathKey

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")  # fullmatch: `$` would allow a final newline
_JSON_TYPES = {
    dict: "object",
    list: "array",
    str: "string",
    bool: "boolean",
    int: "integer",
    float: "number",
    type(None): "null",
}


@cache
def validator(name: str, part: str = "") -> Draft202012Validator:
    """A validator for a bundled schema (or for one of its `$defs`, `part`),
    with its local `$ref`s inlined: the schemas are not recursive, and
    resolving a reference per component is half the cost of validating a
    large stack."""
    from jsonschema import Draft202012Validator  # ~140 ms: only for a rejected document

    return Draft202012Validator(_inlined(name, part))


@cache
def prefilter(name: str, part: str = "") -> Callable[[Any], object]:
    """fastjsonschema's validator for the same inlined schema: it raises on a
    document it does not accept. jsonschema runs without a format checker, so
    `format` is only an annotation here too; defaults are never filled in."""
    return fastjsonschema.compile(
        _inlined(name, part),
        use_default=False,
        use_formats=False,
    )


def accepts(name: str, part: str, data: Any) -> bool:
    """Whether the prefilter lets `data` through without asking jsonschema."""
    check = prefilter(name, part)
    try:
        check(data)
    except Exception:  # a rejection, or a value it cannot handle: jsonschema decides
        return False
    return True


def _inlined(name: str, part: str) -> Any:
    """A fresh copy of the schema (or its `$defs` entry) with no `$ref` left."""
    full = schema(name)
    defs = full.get("$defs", {})
    return _inline(defs[part] if part else full, defs)


def _inline(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/$defs/"):
            target = _inline(defs[ref.removeprefix("#/$defs/")], defs)
            return {**target, **{k: _inline(v, defs) for k, v in node.items() if k != "$ref"}}
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def schema_errors(
    document: Document,
    name: str,
    error: type[StackpolicyError],
    key: PathKey = (),
    defaults: Mapping[str, Any] | None = None,
    part: str = "",
) -> list[StackpolicyError]:
    """Every schema violation in the value at `key` of `document` (all of it by
    default), in document order, against schema `name` (or its `$defs` entry
    `part`). `defaults` fill in top-level keys that an embedded document may
    leave out."""
    data = value_at(document.data, key)
    if defaults and isinstance(data, dict):
        data = {**defaults, **data}
    if accepts(name, part, data):
        return []
    checker = validator(name, part)
    found = [_located(document, key, err, error) for err in checker.iter_errors(data)]
    return sorted(found, key=lambda e: (e.location.line, e.location.column, e.message))


def dotted(key: PathKey) -> str:
    """`("components", 2, "owner")` -> `components[2].owner`; a key that is not
    a plain name is quoted, so a message never carries a raw newline."""
    text = ""
    for part in key:
        if isinstance(part, int) or not _NAME.fullmatch(part):
            text += f"[{part!r}]"
        else:
            text += f".{part}" if text else part
    return text or "document"


def value_at(data: Any, key: PathKey) -> Any:
    for part in key:
        data = data[part]
    return data


def _located(
    document: Document, base: PathKey, err: ValidationError, error: type[StackpolicyError]
) -> StackpolicyError:
    err = _deepest(err)
    key: PathKey = (*base, *err.absolute_path)
    where = dotted(key)
    if (
        err.validator == "additionalProperties"
        and isinstance(err.instance, dict)
        and isinstance(err.schema, dict)
    ):
        allowed = set(err.schema.get("properties", {}))
        extra = next((k for k in err.instance if k not in allowed), None)
        if extra is not None:
            hint = did_you_mean(extra, allowed)
            return error(
                f"{where}: unknown field {extra!r}{hint}", document.locate_key((*key, extra))
            )
    if err.validator == "type":
        actual = _JSON_TYPES.get(type(err.instance), type(err.instance).__name__)
        expected = err.validator_value
        message = f"{where}: expected {_or(expected)}, got {actual}"
    elif err.validator == "required":
        message = f"{where}: {err.message}"
    elif err.validator == "pattern":
        # The schemas end patterns with `$(?!\n)`: `$` that, in Python as in
        # ECMA-262, refuses a final newline. People read it as `$`.
        shown = str(err.validator_value).replace("$(?!\\n)", "$")
        message = f"{where}: {_short(f'{err.instance!r} does not match {shown!r}')}"
    elif err.validator == "enum" and isinstance(err.instance, str):
        name = str(key[-1]) if key and isinstance(key[-1], str) else "value"
        message = f"{where}: {_not_one_of(err.instance, err.validator_value, err.schema, name)}"
    else:
        message = f"{where}: {_short(err.message)}"
    return error(message, document.locate(key))


def _not_one_of(value: str, allowed: object, schema: object, field: str) -> str:
    """A value outside an enum, with the nearest allowed one. A long list is
    not repeated: the schema's description says where to look."""
    choices = [str(c) for c in allowed] if isinstance(allowed, list) else []
    hint = did_you_mean(value, choices)
    if len(choices) <= 8:
        return _short(f"{value!r} is not one of {choices!r}") + hint
    why = schema.get("description") if isinstance(schema, dict) else None
    return f"unknown {field} {value!r}{hint}" + (f": {why}" if why else "")


def _deepest(err: ValidationError) -> ValidationError:
    """For anyOf/oneOf, report the branch that got furthest rather than the
    unhelpful 'is not valid under any of the given schemas'."""
    while err.context:
        err = max(err.context, key=lambda e: (len(e.absolute_path), e.validator != "type"))
    return err


def _or(expected: object) -> str:
    return " or ".join(expected) if isinstance(expected, list) else str(expected)


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."
