"""Policy files: find, read, validate and compile the CEL policies in them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from stackpolicy.cel import AnyBackend, CelCompileError, PolicySource
from stackpolicy.errors import PolicyError, StackpolicyError, UsageError
from stackpolicy.location import Location
from stackpolicy.policy import Expression, Policy
from stackpolicy.resources import display_path
from stackpolicy.rules import builtin_policies
from stackpolicy.rules.cel import CompiledPolicy
from stackpolicy.schemacheck import schema_errors, value_at
from stackpolicy.yamlload import (
    Document,
    PathKey,
    load_documents,
    read_text,
    scalar_segments,
)

POLICY_SUFFIXES = (".yaml", ".yml")
TEST_SUFFIX = "_test"  # x_test.yaml holds the tests of x.yaml, not policies


def is_test_file(path: Path) -> bool:
    return path.stem.endswith(TEST_SUFFIX)


@dataclass(frozen=True)
class LoadedPolicies:
    policies: tuple[CompiledPolicy, ...]
    errors: tuple[StackpolicyError, ...]


def policy_files(paths: Sequence[Path], *, tests: bool = False) -> list[Path]:
    """The policy files under `paths` (or, with `tests`, the policy test files)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(
                p
                for p in path.rglob("*")
                if p.suffix in POLICY_SUFFIXES and not _in_profiles(p.relative_to(path))
            )
        elif path.is_file():
            candidates = [path]
        else:
            raise UsageError(f"no such policy file or directory: {path}", Location(str(path)))
        found.extend(p for p in candidates if p.is_file() and is_test_file(p) == tests)
    return found


def _in_profiles(relative: Path) -> bool:
    """A library's `profiles/` directory holds profiles (stackpolicy.profiles),
    not policies; their tests are policy tests like any other."""
    return relative.parts[0] == "profiles" and not is_test_file(relative)


def load_policies(paths: Sequence[Path], backend: AnyBackend) -> LoadedPolicies:
    """Load, validate and compile every policy under `paths`.

    A broken policy is an error but does not stop the others from loading.
    """
    compiled: list[CompiledPolicy] = []
    errors: list[StackpolicyError] = []
    seen: dict[str, Location] = {}
    builtin = {p.id for p in builtin_policies()}
    for path in policy_files(paths):
        try:
            policies = read_policy_file(path)
        except StackpolicyError as exc:
            errors.append(exc)
            continue
        for item in policies:
            if isinstance(item, StackpolicyError):
                errors.append(item)
                continue
            if item.id in builtin:
                message = f"policy id {item.id!r} is a built-in rule's: choose another id"
                errors.append(PolicyError(message, item.location))
                continue
            if item.id in seen:
                errors.append(
                    PolicyError(
                        f"duplicate policy id {item.id!r} (first defined at {seen[item.id]})",
                        item.location,
                    )
                )
                continue
            seen[item.id] = item.location
            try:
                compiled.append(compile_policy(item, backend))
            except PolicyError as exc:
                errors.append(exc)
    return LoadedPolicies(tuple(compiled), tuple(errors))


def read_policy_file(path: Path) -> list[Policy | StackpolicyError]:
    """The policies in one file; a policy that breaks the schema becomes its error."""
    display = display_path(path)
    text = read_text(path, display)
    documents = load_documents(text, display)
    if not documents:
        raise PolicyError("empty policy file", Location(display))
    lines = text.splitlines()
    result: list[Policy | StackpolicyError] = []
    for doc in documents:
        if not isinstance(doc.data, dict):
            raise PolicyError("expected a mapping with a `policies:` list", doc.locate(()))
        errors = schema_errors(doc, "policy", PolicyError)
        bad = {_policy_index(e, doc) for e in errors}
        result.extend(errors)
        if None in bad:
            continue
        for index, raw in enumerate(doc.data["policies"]):
            if index not in bad:
                result.append(_policy(doc, ("policies", index), raw, lines))
    return result


def _policy_index(error: StackpolicyError, doc: Document) -> int | None:
    """Which policy an error is inside, or None if it is about the file."""
    for index in range(len(doc.data.get("policies") or [])):
        span = doc.span(("policies", index))
        at = (error.location.line, error.location.column)
        if span and (span.line, span.column) <= at < (span.end_line, span.end_column):
            return index
    return None


def _policy(doc: Document, key: PathKey, raw: dict[str, Any], lines: list[str]) -> Policy:
    def expr(*path: str | int) -> Expression:
        full = (*key, *path)
        where = doc.locate(full)
        source = str(value_at(raw, path))  # the schema makes every CEL part a string
        return Expression(source, where, scalar_segments(lines, where, doc.style(full)))

    def optional(name: str) -> Expression | None:
        return expr(name) if name in raw else None

    variables = tuple(
        (var["name"], expr("variables", i, "expression"))
        for i, var in enumerate(raw.get("variables") or [])
    )
    return Policy(
        id=raw["id"],
        title=raw["title"],
        description=raw["description"],
        severity=raw["severity"],
        layer=raw["layer"],
        scope=raw["scope"],
        location=doc.locate((*key, "id")),
        remediation=raw.get("remediation", ""),
        tags=tuple(raw.get("tags") or ()),
        help_uri=raw.get("help_uri"),
        security_severity=raw.get("security_severity"),
        example=raw.get("example"),
        kinds=tuple(raw.get("kinds") or ()),
        field=raw.get("field"),
        params=MappingProxyType(dict(raw.get("params") or {})),
        variables=variables,
        match=optional("match"),
        assertion=expr("assert"),
        locate=optional("locate"),
        message=optional("message"),
    )


def compile_policy(policy: Policy, backend: AnyBackend) -> CompiledPolicy:
    """Compile every expression of `policy`; an error is a PolicyError at its
    exact position in the policy file."""
    parts = {part: expression.source for part, expression in policy.parts().items()}
    if policy.scope == "waiver":  # the schema allows only CEL scopes in a policy file
        raise PolicyError(f"{policy.id}: scope 'waiver' is for built-in rules", policy.location)
    source = PolicySource(
        key=policy.id,
        scope=policy.scope,
        variables=tuple((name, expression.source) for name, expression in policy.variables),
        parts=parts,
    )
    try:
        return CompiledPolicy(policy, backend.compile(source))
    except CelCompileError as exc:
        where = policy.expression(exc.part).position(exc.line, exc.column)
        raise PolicyError(f"{policy.id}: {exc.part}: {exc.message}", where) from None


def with_params(
    policy: Policy, overrides: Mapping[str, Any], locate: Callable[[str], Location]
) -> Policy:
    """`policy` with some params replaced. A param the policy does not
    declare, or a value of another type than its default, is an error at
    `locate(name)`."""
    params = dict(policy.params)
    for name, value in overrides.items():
        if name not in params:
            known = ", ".join(sorted(params)) or "none"
            raise PolicyError(f"{policy.id} has no param {name!r} (params: {known})", locate(name))
        expected = _json_type(params[name])
        if not _same_type(params[name], value):
            raise PolicyError(
                f"{policy.id} param {name!r} must be {expected}, got {_json_type(value)}",
                locate(name),
            )
        params[name] = value
    return dataclasses.replace(policy, params=MappingProxyType(params))


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "null"


def _same_type(default: Any, value: Any) -> bool:
    if _json_type(default) != _json_type(value):
        return default is None
    if isinstance(default, list) and default:
        return all(_json_type(item) == _json_type(default[0]) for item in value)
    return True
