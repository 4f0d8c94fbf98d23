"""The cel-python backend: pure Python, the portable reference.

cel-python lacks the CEL strings extension and has no iteration budget, so
both are added here: the string functions as custom functions, the budget by
counting comprehension steps in an evaluator subclass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError, Evaluator, operator_in
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from stackpolicy.cel import (
    BUDGET_MESSAGE,
    ITERATION_BUDGET,
    CelCompileError,
    PolicySource,
    missing_key,
    names_for,
    undeclared,
)
from stackpolicy.cel import (
    CelEvalError as SeamEvalError,
)

# cel-python logs every evaluation error it raises; we report them ourselves.
logging.getLogger("celpy").setLevel(logging.CRITICAL)

_MACROS = {"all", "exists", "exists_one", "map", "filter"}
# Type names are identifiers too: `type(x) == string`.
_TYPE_NAMES = {
    "bool",
    "bytes",
    "double",
    "dyn",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
}


def make() -> CelPythonBackend:
    return CelPythonBackend()


class _BudgetExceeded(Exception):
    pass


class _Budget:
    def __init__(self) -> None:
        self.steps = 0

    def tick(self) -> None:
        self.steps += 1
        if self.steps > ITERATION_BUDGET:
            raise _BudgetExceeded


class _BudgetedEvaluator(Evaluator):
    """Counts every comprehension step, as cel-cpp's iteration budget does."""

    def __init__(self, ast: Tree, activation: Any, budget: _Budget) -> None:
        super().__init__(ast, activation)
        self.budget = budget

    def sub_evaluator(self, ast: Tree) -> Evaluator:
        return _BudgetedEvaluator(ast, self.activation, self.budget)

    def build_macro_eval(self, child: Tree) -> Callable[[Any], Any]:
        return self._counted(super().build_macro_eval(child))

    def build_ss_macro_eval(self, child: Tree) -> Callable[[Any], Any]:
        return self._counted(super().build_ss_macro_eval(child))

    def _counted(self, step: Callable[[Any], Any]) -> Callable[[Any], Any]:
        budget = self.budget

        def counted(value: Any) -> Any:
            budget.tick()
            return step(value)

        return counted


class _Runner(celpy.InterpretedRunner):
    def evaluate(self, context: Any) -> Any:
        return _BudgetedEvaluator(self.ast, self.new_activation(), _Budget()).evaluate(context)


@dataclass(frozen=True)
class CelPythonProgram:
    source: PolicySource
    variables: tuple[tuple[str, _Runner], ...]
    parts: Mapping[str, _Runner]


class CelPythonBackend:
    name = "celpy"

    def __init__(self) -> None:
        self._env = celpy.Environment(runner_class=_Runner)

    def compile(self, source: PolicySource) -> CelPythonProgram:
        variables = tuple(
            (name, self._compile(f"variables.{name}", text, names_for(source.scope, "")))
            for name, text in source.variables
        )
        parts = {
            part: self._compile(part, text, names_for(source.scope, part))
            for part, text in source.parts.items()
        }
        return CelPythonProgram(source, variables, parts)

    def _compile(self, part: str, text: str, names: Collection[str]) -> _Runner:
        try:
            ast = self._env.compile(text)
        except CELParseError as exc:
            problem = _parse_problem(exc, text)
            line, column = exc.line or 1, exc.column or 1
            if problem == "unexpected end":  # point just past the end, as cel-cpp does
                lines = text.split("\n")
                line, column = len(lines), len(lines[-1]) + 1
            raise CelCompileError(part, f"syntax error: {problem}", line, column) from None
        except RecursionError:
            raise CelCompileError(part, "expression nested too deeply") from None
        _check_names(part, ast, names)
        runner = self._env.program(ast, functions=FUNCTIONS)
        assert isinstance(runner, _Runner)
        return runner

    def bind(
        self,
        stack: Mapping[str, Any],
        components: Sequence[Mapping[str, Any]],
        params: Mapping[str, Mapping[str, Any]],
    ) -> CelPythonBinding:
        memo: dict[int, Any] = {}
        cel_stack = _to_cel(stack, memo)
        cel_components = [_to_cel(c, memo) for c in components]
        cel_params = {key: _to_cel(dict(value), memo) for key, value in params.items()}
        return CelPythonBinding(cel_stack, cel_components, cel_params)


@dataclass
class CelPythonBinding:
    stack: Any
    components: list[Any]
    params: dict[str, Any]
    _cache: dict[tuple[int, int | None], dict[str, Any]] = field(default_factory=dict)

    def evaluate(self, program: CelPythonProgram, part: str, subject: int | None) -> Any:
        activation = self._activation(program, subject, part)
        return _to_python(_run(program.parts[part], activation, part))

    def _activation(
        self, program: CelPythonProgram, subject: int | None, part: str
    ) -> dict[str, Any]:
        """stack, params, component, and the policy's variables, evaluated once
        per subject (the engine asks for match, assert and message in a row)."""
        source = program.source
        activation: dict[str, Any] = {
            "stack": self.stack,
            "params": self.params.get(source.key, celtypes.MapType()),
            "component": self.components[subject] if subject is not None else None,
        }
        key = (id(program), subject)
        values = self._cache.get(key)
        if values is None:
            self._cache.clear()
            values = {}
            for name, runner in program.variables:
                activation["variables"] = celtypes.MapType(values)
                values[celtypes.StringType(name)] = _run(runner, activation, f"variables.{name}")
            self._cache[key] = values
        activation["variables"] = celtypes.MapType(values)
        return activation


def _run(runner: _Runner, activation: dict[str, Any], part: str) -> Any:
    try:
        result = runner.evaluate(activation)
    except CELEvalError as exc:
        raise SeamEvalError(part, _eval_message(exc)) from None
    except _BudgetExceeded:
        raise SeamEvalError(part, BUDGET_MESSAGE) from None
    except RecursionError:
        raise SeamEvalError(part, "expression nested too deeply") from None
    except Exception as exc:  # cel-python raises plain Python errors on some inputs
        raise SeamEvalError(part, f"{type(exc).__name__}: {exc}") from None
    if isinstance(result, CELEvalError):  # errors can also come back as values
        raise SeamEvalError(part, _eval_message(result))
    return result


def _parse_problem(exc: CELParseError, source: str) -> str:
    cause = exc.__context__
    if isinstance(cause, UnexpectedToken):
        token = str(cause.token)
        return f"unexpected {token!r}" if token and token != "$END" else "unexpected end"
    if isinstance(cause, UnexpectedCharacters):
        char = source[cause.pos_in_stream] if cause.pos_in_stream is not None else ""
        return f"unexpected character {char!r}"
    return "invalid expression"


def _check_names(part: str, ast: Tree, names: Collection[str]) -> None:
    """cel-python does not type-check, so an unknown variable would only fail at
    run time (or never, behind `||`); find free identifiers at compile time."""
    bound: set[str] = set()
    free: list[Token] = []
    for tree in ast.iter_subtrees():
        if tree.data == "member_dot_arg" and len(tree.children) == 3:
            method, args = tree.children[1], tree.children[2]
            if isinstance(method, Token) and str(method) in _MACROS and isinstance(args, Tree):
                bound.update(_bare_idents(args.children[0]) if args.children else [])
        elif tree.data == "ident" and isinstance(tree.children[0], Token):
            free.append(tree.children[0])
    for token in sorted(free, key=lambda t: (t.line or 0, t.column or 0)):
        name = str(token)
        if name not in names and name not in bound and name not in _TYPE_NAMES:
            raise undeclared(part, name, names, token.line or 1, token.column or 1)


def _bare_idents(expr: Any) -> list[str]:
    """The identifier a macro binds (`x` in `list.all(x, ...)`)."""
    if not isinstance(expr, Tree):
        return []
    return [str(t.children[0]) for t in expr.iter_subtrees() if t.data == "ident"][:1]


def _eval_message(exc: CELEvalError) -> str:
    message = str(exc.args[0]) if exc.args else "evaluation error"
    # Drop the dump of the whole activation that cel-python appends.
    message = message.split(" (in activation", 1)[0]
    if message.startswith("no such member in mapping: "):
        return missing_key(message.removeprefix("no such member in mapping: ").strip("'"))
    if message == "modulus or divide by zero":
        return "divide by zero"
    if message.startswith("found no matching overload"):
        return "no matching overload"
    return message


# The dialect's functions that cel-python lacks: `key in map` as a hash lookup
# (cel-python scans the keys) and the CEL strings extension.


def _in(item: Any, container: Any) -> Any:
    if isinstance(container, celtypes.MapType):
        return celtypes.BoolType(item in container)
    return operator_in(item, container)


def _strings(*values: Any) -> bool:
    return all(isinstance(v, celtypes.StringType) for v in values)


def _string_function(name: str, impl: Callable[..., Any], arity: int) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if len(args) != arity or not _strings(*args):
            return CELEvalError(f"no matching overload for {name}", TypeError, None)
        return impl(*args)

    call.__name__ = name
    return call


def _join(items: Any, separator: Any = "") -> Any:
    if not isinstance(items, celtypes.ListType) or not all(_strings(i) for i in items):
        return CELEvalError("join needs a list of strings", TypeError, None)
    return celtypes.StringType(str(separator).join(str(i) for i in items))


def _split(text: Any, separator: Any) -> Any:
    if not _strings(text, separator):
        return CELEvalError("no matching overload for split", TypeError, None)
    return celtypes.ListType(celtypes.StringType(p) for p in str(text).split(str(separator)))


def _string(value: str) -> celtypes.StringType:
    return celtypes.StringType(value)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")

FUNCTIONS: dict[str, Any] = {
    "_in_": _in,
    "join": _join,
    "split": _split,
    "lowerAscii": _string_function("lowerAscii", lambda s: _string(str(s).translate(_LOWER)), 1),
    "upperAscii": _string_function("upperAscii", lambda s: _string(str(s).translate(_UPPER)), 1),
    "trim": _string_function("trim", lambda s: _string(str(s).strip()), 1),
    "replace": _string_function(
        "replace", lambda s, old, new: _string(str(s).replace(str(old), str(new))), 3
    ),
    "indexOf": _string_function(
        "indexOf", lambda s, sub: celtypes.IntType(str(s).find(str(sub))), 2
    ),
    "lastIndexOf": _string_function(
        "lastIndexOf", lambda s, sub: celtypes.IntType(str(s).rfind(str(sub))), 2
    ),
    "reverse": _string_function("reverse", lambda s: _string(str(s)[::-1]), 1),
}


def _to_cel(data: Any, memo: dict[int, Any]) -> Any:
    """Plain data to cel-python values; shared sub-objects are converted once."""
    if isinstance(data, (dict, list)):
        cached = memo.get(id(data))
        if cached is not None:
            return cached
        if isinstance(data, dict):
            result: Any = celtypes.MapType(
                {celtypes.StringType(k): _to_cel(v, memo) for k, v in data.items()}
            )
        else:
            result = celtypes.ListType([_to_cel(v, memo) for v in data])
        memo[id(data)] = result
        return result
    if isinstance(data, bool):
        return celtypes.BoolType(data)
    if isinstance(data, int):
        return celtypes.IntType(data)
    if isinstance(data, float):
        return celtypes.DoubleType(data)
    if isinstance(data, str):
        return celtypes.StringType(data)
    if data is None:
        return None
    raise TypeError(f"cannot convert {type(data).__name__} to CEL")


def _to_python(value: Any) -> Any:
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, (celtypes.IntType, celtypes.UintType)):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, celtypes.MapType):
        return {_to_python(k): _to_python(v) for k, v in value.items()}
    if isinstance(value, celtypes.ListType):
        return [_to_python(v) for v in value]
    return value
