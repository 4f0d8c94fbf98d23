"""The cel-python backend: pure Python, the portable reference.

cel-python departs from the spec in many places and has no iteration
budget. The dialect's operators and functions are therefore its own
(celpy_semantics), and an evaluator subclass decodes string literals, builds
map literals, runs the comprehension macros over maps in the dialect's key
order, and counts comprehension steps as cel-cpp's budget does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy import celtypes
from celpy.evaluation import Activation, CELEvalError, Evaluator
from lark import Token, Tree

from stackpolicy.cel import (
    BUDGET_MESSAGE,
    ITERATION_BUDGET,
    Errors,
    PolicySource,
    celpy_semantics,
    dialect,
    map_key_order,
    missing_key,
    names_for,
    plain,
)
from stackpolicy.cel import (
    CelEvalError as SeamEvalError,
)
from stackpolicy.cel.celpy_semantics import MISSING, error, kind, lookup

# cel-python logs every evaluation error it raises; we report them ourselves.
logging.getLogger("celpy").setLevel(logging.CRITICAL)


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

    def literal(self, tree: Tree) -> Any:
        token = tree.children[0]
        if isinstance(token, Token) and token.type in ("STRING_LIT", "MLSTRING_LIT"):
            # cel-python keeps \?, \` and \X41 raw and drops newlines in
            # triple-quoted strings; the dialect decodes literals per the spec.
            return celtypes.StringType(dialect.string_literal(str(token)))
        return super().literal(tree)

    def ident_value(self, name: str, root_scope: bool = False) -> Any:
        if name in celpy_semantics.TYPES:  # the dialect lets nothing rebind them
            return celpy_semantics.TYPES[name]
        return super().ident_value(name, root_scope)

    def mapinits(self, tree: Tree) -> Any:
        values: list[Any] = self.visit_children(tree)
        result = celtypes.MapType()
        for key, value in zip(values[0::2], values[1::2], strict=True):
            for item in (key, value):
                if isinstance(item, CELEvalError):
                    return item
            if kind(key) not in ("bool", "int", "string"):
                return error(Errors.BAD_MAP_KEY)
            if lookup(result, key) is not MISSING:
                return error(Errors.DUPLICATE_KEY)
            result[key] = value
        return result

    def member_dot_arg(self, tree: Tree) -> Any:
        method = tree.children[1]
        if not (isinstance(method, Token) and str(method) in dialect.MACROS):
            return super().member_dot_arg(tree)
        items = self.visit(tree.children[0])
        if isinstance(items, CELEvalError):
            return items
        if kind(items) == "map":
            items = sorted(items, key=map_key_order)  # the dialect's key order
        elif kind(items) != "list":
            return error(Errors.NO_OVERLOAD)
        return _MACRO_EVALUATIONS[str(method)](items, self._step(tree), self.budget)

    def _step(self, tree: Tree) -> Step:
        """The macro's body as a function of its variable; an error is a value,
        so the macro can absorb it as the spec says."""
        body = self.build_macro_eval(tree)

        def step(item: Any) -> Any:
            try:
                return body(item)
            except CELEvalError as exc:
                return exc

        return step


class _Runner(celpy.InterpretedRunner):
    _base: Activation | None = None

    def evaluate(self, context: Any) -> Any:
        # The base activation (functions, annotations) is the same for every
        # evaluation, and the evaluator only reads it (each evaluation's
        # variables go into a clone): built once, not per evaluation.
        if self._base is None:
            self._base = self.new_activation()
        return _BudgetedEvaluator(self.ast, self._base, _Budget()).evaluate(context)


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
        component = source.scope == "component"
        variables = tuple(
            (
                name,
                self._compile(
                    f"variables.{name}",
                    text,
                    names_for(source.scope, ""),
                    dialect.variable_wrapper_depth(component, i),
                ),
            )
            for i, (name, text) in enumerate(source.variables)
        )
        parts = {
            part: self._compile(
                part,
                text,
                names_for(source.scope, part),
                dialect.wrapper_depth(component or part == "message", len(source.variables)),
            )
            for part, text in source.parts.items()
        }
        return CelPythonProgram(source, variables, parts)

    def _compile(self, part: str, text: str, names: Collection[str], wrapped: int) -> _Runner:
        checked = dialect.check(part, text, names, wrapped)
        runner = self._env.program(checked.tree, functions=celpy_semantics.FUNCTIONS)
        assert isinstance(runner, _Runner)
        return runner

    def bind(
        self,
        stack: Mapping[str, Any],
        components: Sequence[Mapping[str, Any]],
        params: Mapping[str, Mapping[str, Any]],
        programs: Sequence[CelPythonProgram] = (),
    ) -> CelPythonBinding:
        memo: dict[int, tuple[Any, Any]] = {}
        cel_stack = _to_cel(stack, memo)
        cel_components = [_to_cel(c, memo) for c in components]
        # The memo is keyed by id(): every dict converted must stay alive until
        # the end, or a later temporary reuses its id and gets its conversion.
        plain_params = {key: dict(value) for key, value in params.items()}
        cel_params = {key: _to_cel(value, memo) for key, value in plain_params.items()}
        return CelPythonBinding(cel_stack, cel_components, cel_params)


@dataclass
class CelPythonBinding:
    stack: Any
    components: list[Any]
    params: dict[str, Any]
    _cache: dict[tuple[int, int | None], dict[str, Any]] = field(default_factory=dict)

    def evaluate(self, program: CelPythonProgram, part: str, subject: int | None) -> Any:
        activation = self._activation(program, subject, part)
        return plain(_to_python(_run(program.parts[part], activation, part)))

    # cel-python's comprehension builds an activation and an evaluator for
    # every item, as an evaluation does: 6,400 components of a three-test
    # assert took 3.3 s as 100 chunks in `all()`, 1.7 s one by one. So each
    # component is evaluated alone here.
    batches = False

    def failing(self, program: CelPythonProgram, subjects: Sequence[int]) -> list[int] | None:
        return None

    def messages(self, program: CelPythonProgram, subjects: Sequence[int]) -> list[str] | None:
        return None

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
    except MemoryError:  # the worker's memory budget (stackpolicy.worker) reports it
        raise
    except Exception as exc:  # cel-python raises plain Python errors on some inputs
        raise SeamEvalError(part, f"{type(exc).__name__}: {exc}") from None
    if isinstance(result, CELEvalError):  # errors can also come back as values
        raise SeamEvalError(part, _eval_message(result))
    return result


def _eval_message(exc: CELEvalError) -> str:
    message = str(exc.args[0]) if exc.args else "evaluation error"
    # Drop the dump of the whole activation that cel-python appends.
    message = message.split(" (in activation", 1)[0]
    if message.startswith("no such member in mapping: "):
        return missing_key(message.removeprefix("no such member in mapping: ").strip("'"))
    if message.startswith(("found no matching overload", "no such overload")):
        return Errors.NO_OVERLOAD
    return message


def _to_cel(data: Any, memo: dict[int, tuple[Any, Any]]) -> Any:
    """Plain data to cel-python values; shared sub-objects are converted once.
    The memo keeps each object it saw alive: a temporary freed during the
    bind could otherwise hand its id to the next one."""
    if isinstance(data, (dict, list)):
        cached = memo.get(id(data))
        if cached is not None:
            return cached[1]
        if isinstance(data, dict):
            result: Any = celtypes.MapType(
                {celtypes.StringType(k): _to_cel(v, memo) for k, v in data.items()}
            )
        else:
            result = celtypes.ListType([_to_cel(v, memo) for v in data])
        memo[id(data)] = (data, result)
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


def _all(items: list[Any], step: Step, budget: _Budget) -> Any:
    """`all`, as cel-cpp runs it: stops at the first false; an error counts
    only when no element is false."""
    failure = None
    for item in items:
        budget.tick()
        result = step(item)
        if isinstance(result, CELEvalError) or kind(result) != "bool":
            failure = failure or _as_error(result)
        elif not result:
            return celtypes.BoolType(False)
    return failure or celtypes.BoolType(True)


def _exists(items: list[Any], step: Step, budget: _Budget) -> Any:
    failure = None
    for item in items:
        budget.tick()
        result = step(item)
        if isinstance(result, CELEvalError) or kind(result) != "bool":
            failure = failure or _as_error(result)
        elif result:
            return celtypes.BoolType(True)
    return failure or celtypes.BoolType(False)


def _exists_one(items: list[Any], step: Step, budget: _Budget) -> Any:
    count = 0
    for item in items:
        budget.tick()
        result = step(item)
        if isinstance(result, CELEvalError) or kind(result) != "bool":
            return _as_error(result)
        count += bool(result)
    return celtypes.BoolType(count == 1)


def _map(items: list[Any], step: Step, budget: _Budget) -> Any:
    results = []
    for item in items:
        budget.tick()
        result = step(item)
        if isinstance(result, CELEvalError):
            return result
        results.append(result)
    return celtypes.ListType(results)


def _filter(items: list[Any], step: Step, budget: _Budget) -> Any:
    kept = []
    for item in items:
        budget.tick()
        result = step(item)
        if isinstance(result, CELEvalError) or kind(result) != "bool":
            return _as_error(result)
        if result:
            kept.append(item)
    return celtypes.ListType(kept)


def _as_error(result: Any) -> CELEvalError:
    return result if isinstance(result, CELEvalError) else error(Errors.NO_OVERLOAD)


Step = Callable[[Any], Any]
_MACRO_EVALUATIONS: dict[str, Callable[[list[Any], Step, _Budget], Any]] = {
    "all": _all,
    "exists": _exists,
    "exists_one": _exists_one,
    "map": _map,
    "filter": _filter,
}


def _to_python(value: Any) -> Any:
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, (celtypes.IntType, celtypes.UintType)):
        return int(value)
    if isinstance(value, celtypes.DoubleType):
        return float(value)
    if isinstance(value, dict):
        return {_to_python(k): _to_python(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_python(v) for v in value]
    return value
