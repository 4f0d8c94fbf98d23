"""The one place that touches a CEL library.

The engine sees three things: `Backend.compile` turns source into a
`Program`, `Backend.convert` converts plain data (dicts, lists, strings,
numbers) into the backend's values once so it can be bound many times, and
`Program.evaluate` returns plain Python. Every failure surfaces as
`CelCompileError` (with a 1-based position inside the expression) or
`CelEvalError`. A second backend implements the same two methods.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

import celpy
from celpy import celtypes
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError, operator_in
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

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


class CelCompileError(Exception):
    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


class CelEvalError(Exception):
    pass


class Program(Protocol):
    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        """The result as plain Python (bool, int, float, str, list, dict, None)."""
        ...

    def value(self, activation: Mapping[str, Any]) -> Any:
        """The result as a backend value, to bind into another activation."""
        ...


class Backend(Protocol):
    name: str

    def compile(self, source: str, variables: Collection[str]) -> Program: ...

    def convert(self, items: Sequence[Any]) -> list[Any]:
        """Convert plain data to backend values; objects shared between the
        items (a component in both a list and an index) are converted once."""
        ...

    def record(self, fields: Mapping[str, Any]) -> Any:
        """A map value from already-converted values (for `variables`)."""
        ...


class CelPythonProgram:
    def __init__(self, runner: celpy.Runner) -> None:
        self._runner = runner

    def evaluate(self, activation: Mapping[str, Any]) -> Any:
        return _to_python(self.value(activation))

    def value(self, activation: Mapping[str, Any]) -> Any:
        try:
            result = self._runner.evaluate(dict(activation))
        except CELEvalError as exc:
            raise CelEvalError(_eval_message(exc)) from None
        except RecursionError:
            raise CelEvalError("expression nested too deeply") from None
        except Exception as exc:  # cel-python raises plain Python errors on some inputs
            raise CelEvalError(f"{type(exc).__name__}: {exc}") from None
        if isinstance(result, CELEvalError):  # errors can also come back as values
            raise CelEvalError(_eval_message(result))
        return result


class CelPythonBackend:
    """cel-python: pure Python, the portable reference backend."""

    name = "celpy"

    def __init__(self) -> None:
        self._env = celpy.Environment()

    def compile(self, source: str, variables: Collection[str]) -> Program:
        try:
            ast = self._env.compile(source)
        except CELParseError as exc:
            raise CelCompileError(
                f"syntax error: {_parse_problem(exc, source)}", exc.line or 1, exc.column or 1
            ) from None
        except RecursionError:
            raise CelCompileError("expression nested too deeply") from None
        _check_names(ast, variables)
        return CelPythonProgram(self._env.program(ast, functions=_CELPY_FUNCTIONS))

    def convert(self, items: Sequence[Any]) -> list[Any]:
        memo: dict[int, Any] = {}
        return [_to_cel(item, memo) for item in items]

    def record(self, fields: Mapping[str, Any]) -> Any:
        return celtypes.MapType({celtypes.StringType(k): v for k, v in fields.items()})


def _map_in(item: Any, container: Any) -> Any:
    """`key in map` as a hash lookup; cel-python scans the map's keys."""
    if isinstance(container, celtypes.MapType):
        return celtypes.BoolType(item in container)
    return operator_in(item, container)


def _join(items: Any, separator: Any = "") -> Any:
    """The CEL strings extension's `list.join(separator)`."""
    if not isinstance(items, celtypes.ListType) or not all(
        isinstance(i, celtypes.StringType) for i in items
    ):
        return CELEvalError("join needs a list of strings", TypeError, None)
    return celtypes.StringType(str(separator).join(str(item) for item in items))


_CELPY_FUNCTIONS: dict[str, Any] = {"_in_": _map_in, "join": _join}


def _parse_problem(exc: CELParseError, source: str) -> str:
    cause = exc.__context__
    if isinstance(cause, UnexpectedToken):
        token = str(cause.token)
        return f"unexpected {token!r}" if token and token != "$END" else "unexpected end"
    if isinstance(cause, UnexpectedCharacters):
        char = source[cause.pos_in_stream] if cause.pos_in_stream is not None else ""
        return f"unexpected character {char!r}"
    return "invalid expression"


def _check_names(ast: Tree, variables: Collection[str]) -> None:
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
        if name not in variables and name not in bound and name not in _TYPE_NAMES:
            allowed = ", ".join(sorted(variables))
            raise CelCompileError(
                f"undeclared reference to {name!r} (expressions see {allowed})",
                token.line or 1,
                token.column or 1,
            )


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
        key = message.removeprefix("no such member in mapping: ")
        message = f"no such key: {key} (test optional fields with has())"
    return message


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


BACKENDS = {"celpy": CelPythonBackend}


def backend(name: str = "celpy") -> Backend:
    return BACKENDS[name]()
