"""The cel-expr backend: Google's cel-cpp through cel-expr-python.

cel-expr-python converts every value passed to an evaluation, so binding a
10,000-component stack per evaluation would cost ~30 ms each time. Instead
the stack and every policy's params are bound once, in one activation, and
each part is compiled inside a wrapper that binds `component`, `params` and
the policy's `variables` from it:

    cel.bind(component, sp_subject() >= 0 ? stack.components[sp_subject()] : null,
    cel.bind(params, sp_params['SP-INF-001'],
    cel.bind(variables, {},
    cel.bind(variables, {'a': <variable a as written>
    },
    <the part as written, rewritten as below>
    ))))

Policy text always ends its own line, so a trailing `//` comment cannot
swallow the closing brackets; the nesting this adds is counted by the
dialect check (dialect.wrapper_depth). Every comprehension range becomes
`cel.bind(sp_range, <range>, type(sp_range) == map ? sp_keys(sp_range) :
sp_range)`, so map keys are visited sorted, and `string(x)` becomes
`sp_string(x)`, so doubles are written as the seam writes them.

`sp_subject()` returns the index of the component being evaluated. Each part
is checked against the dialect first (stackpolicy.cel.dialect), so errors
point into the source as written; cel-cpp's type checker is not used, so
type errors are run-time errors, as on celpy.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_bindings, ext_strings

from stackpolicy.cel import (
    BUDGET_MESSAGE,
    CelCompileError,
    CelEvalError,
    Errors,
    PolicySource,
    dialect,
    format_double,
    map_key_order,
    missing_key,
    names_for,
    plain,
    regex,
)

_DYN = cel.Type.DYN
_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
_NOT_FOUND = re.compile(r"Key not found in map : (.*)")
_STATUS = re.compile(r"^[A-Z_]+: ")
# Around every comprehension range: a map is visited in the dialect's key order.
_RANGE_OPEN = "cel.bind(sp_range, "
_RANGE_CLOSE = "\n, type(sp_range) == map ? sp_keys(sp_range) : sp_range)"


def make() -> CelExprBackend:
    return CelExprBackend()


# How the wrapper binds `component`: to the subject of the evaluation, or to
# the item of the chunk a batched evaluation (`failing`, `messages`) walks.
_COMPONENT_OF_SUBJECT = (
    "cel.bind(component, sp_subject() >= 0 ? stack.components[sp_subject()] : null,"
)
_COMPONENT_OF_ITEM = "cel.bind(component, stack.components[sp_item],"


@dataclass(frozen=True)
class _Part:
    """A part (or variable) compiled for one subject, and its text for a
    chunk of them (None where `component` is not bound)."""

    expression: Any
    item_text: str | None


@dataclass(frozen=True)
class CelExprProgram:
    source: PolicySource
    parts: Mapping[str, _Part]
    variables: tuple[tuple[str, _Part], ...]
    """Each variable wrapped with the ones before it, to tell which one failed."""


class _Subject:
    """The component index `sp_subject()` returns during an evaluation, and
    the indexes `sp_chunk()` returns during a batched one."""

    index = -1
    chunk: Sequence[int] = ()


class CelExprBackend:
    name = "cel-expr"

    def __init__(self) -> None:
        self._subject = _Subject()
        extensions = [ext_strings.ExtStrings(), ext_bindings.ExtBindings()]
        keys = cel.FunctionDecl(
            "sp_keys",
            [
                cel.Overload(
                    "sp_keys_map",
                    return_type=cel.Type.List(_DYN),
                    parameters=[cel.Type.Map(_DYN, _DYN)],
                    impl=lambda mapping: sorted(mapping, key=map_key_order),
                )
            ],
        )
        strings = cel.FunctionDecl(
            "sp_string",
            [
                cel.Overload(
                    f"sp_string_{name}",
                    return_type=cel.Type.STRING,
                    parameters=[kind],
                    impl=impl,
                )
                for name, kind, impl in (
                    ("double", cel.Type.DOUBLE, format_double),
                    ("int", cel.Type.INT, str),
                    ("string", cel.Type.STRING, str),
                    ("bool", cel.Type.BOOL, lambda b: "true" if b else "false"),
                )
            ],
        )
        subject = cel.FunctionDecl(
            "sp_subject",
            [
                cel.Overload(
                    "sp_subject_",
                    return_type=cel.Type.INT,
                    parameters=[],
                    impl=lambda: self._subject.index,
                )
            ],
        )
        chunk = cel.FunctionDecl(
            "sp_chunk",
            [
                cel.Overload(
                    "sp_chunk_",
                    return_type=cel.Type.List(cel.Type.INT),
                    parameters=[],
                    impl=lambda: list(self._subject.chunk),
                )
            ],
        )
        patterns = cel.FunctionDecl(
            "sp_regex",
            [
                cel.Overload(
                    "sp_regex_string",
                    return_type=cel.Type.STRING,
                    parameters=[cel.Type.STRING],
                    impl=_pattern,
                )
            ],
        )
        self._env = cel.NewEnv(
            variables={"stack": _DYN, "sp_params": _DYN},
            functions=[subject, chunk, keys, strings, patterns],
            extensions=extensions,
        )

    def compile(self, source: PolicySource) -> CelExprProgram:
        component = source.scope == "component"
        variables = tuple(
            (
                name,
                self._text(
                    dialect.variable_wrapper_depth(component, i),
                    f"variables.{name}",
                    text,
                    names_for(source.scope, ""),
                ),
            )
            for i, (name, text) in enumerate(source.variables)
        )
        parts = {
            part: self._text(
                dialect.wrapper_depth(component or part == "message", len(variables)),
                part,
                text,
                names_for(source.scope, part),
            )
            for part, text in source.parts.items()
        }
        return CelExprProgram(
            source,
            {
                part: self._wrapped(part, source, component or part == "message", variables, text)
                for part, text in parts.items()
            },
            tuple(
                (name, self._wrapped(f"variables.{name}", source, component, variables[:i], text))
                for i, (name, text) in enumerate(variables)
            ),
        )

    def _text(self, wrapped: int, part: str, text: str, names: set[str]) -> str:
        """The part, checked against the dialect, as cel-cpp is to compile it:
        every comprehension range goes through `sp_range`, so map keys are
        visited in the dialect's order."""
        checked = dialect.check(part, text, names, wrapped)
        # (offset, order, tie-break, characters replaced, text put there)
        edits: list[tuple[int, int, int, int, str]] = []
        for start, end in dialect.macro_ranges(checked.tree):
            # At one offset, ranges that end come before ranges that start,
            # and an enclosing range starts before the ones inside it.
            edits.append((start, 1, -end, 0, _RANGE_OPEN))
            edits.append((end, 0, 0, 0, _RANGE_CLOSE))
        for start, end in dialect.pattern_ranges(checked.tree):
            # The pattern is checked against the regex subset when it runs.
            edits.append((start, 1, -end, 0, "sp_regex("))
            edits.append((end, 0, 0, 0, ")"))
        for start in dialect.global_calls(checked.tree, "string"):
            # cel-cpp writes doubles its own way (-nan); the seam writes them.
            edits.append((start, 2, 0, len("string"), "sp_string"))
        pieces, at = [], 0
        for offset, _, _, replaced, inserted in sorted(edits):
            pieces += [text[at:offset], inserted]
            at = offset + replaced
        pieces.append(text[at:])
        return "".join(pieces)

    def _wrapped(
        self,
        part: str,
        source: PolicySource,
        part_component: bool,
        variables: Sequence[tuple[str, str]],
        body: str,
    ) -> _Part:
        # Every piece of policy text ends its own line, so a trailing `//`
        # comment cannot swallow what the wrapper writes after it. The depth
        # this adds is dialect.wrapper_depth: keep the two in step.
        lines = [
            f"cel.bind(params, sp_params[{json.dumps(source.key)}],",
            "cel.bind(variables, {},",
        ]
        for i, (name, text) in enumerate(variables):
            earlier = "".join(f"{json.dumps(n)}: variables.{n}, " for n, _ in variables[:i])
            lines.append(f"cel.bind(variables, {{{earlier}{json.dumps(name)}: {text}\n}},")

        def wrapped(component: str | None) -> str:
            around = lines if component is None else [component, *lines]
            return "\n".join(around) + "\n" + body + "\n" + ")" * len(around)

        try:
            # The dialect check has run: the wrapper only binds names.
            expression = self._env.compile(
                wrapped(_COMPONENT_OF_SUBJECT if part_component else None), disable_check=True
            )
        except RuntimeError as exc:  # a construct the dialect allows and cel-cpp refuses
            raise _compile_error(part, str(exc), [*_ERROR.finditer(str(exc))]) from None
        return _Part(expression, wrapped(_COMPONENT_OF_ITEM) if part_component else None)

    def bind(
        self,
        stack: Mapping[str, Any],
        components: Sequence[Mapping[str, Any]],
        params: Mapping[str, Mapping[str, Any]],
    ) -> CelExprBinding:
        activation = self._env.Activation(
            data={"stack": stack, "sp_params": {k: dict(v) for k, v in params.items()}}
        )
        return CelExprBinding(activation, self._subject, self._env)


@dataclass
class CelExprBinding:
    activation: Any
    subject: _Subject
    env: Any
    _batched: dict[tuple[int, str], Any] = field(default_factory=dict)
    """The batched expressions, compiled when first needed, by (program, purpose)."""

    def evaluate(self, program: CelExprProgram, part: str, subject: int | None) -> Any:
        self.subject.index = -1 if subject is None else subject
        value = self._run(program.parts[part].expression, part)
        if value.type() != cel.Type.ERROR:
            return plain(value.plain_value())
        # Which variable failed, if any, so the error names it.
        for name, variable in program.variables:
            failed = self._run(variable.expression, f"variables.{name}")
            if failed.type() == cel.Type.ERROR:
                raise CelEvalError(f"variables.{name}", _eval_message(failed))
        raise CelEvalError(part, _eval_message(value))

    def failing(self, program: CelExprProgram, subjects: Sequence[int]) -> list[int] | None:
        found = self._each(program, "failing", subjects)
        if found is None or not all(type(i) is int for i in found):
            return None
        return found

    def messages(self, program: CelExprProgram, subjects: Sequence[int]) -> list[str] | None:
        found = self._each(program, "message", subjects)
        if found is None or len(found) != len(subjects):
            return None
        if not all(type(m) is str for m in found):
            return None
        return found

    def _each(self, program: CelExprProgram, purpose: str, subjects: Sequence[int]) -> Any:
        """The batched expression's plain value over `subjects`, or None when
        it cannot be compiled or fails in any way."""
        expression = self._batch(program, purpose)
        if expression is None:
            return None
        self.subject.chunk = subjects
        try:
            value = expression.eval(activation=self.activation)
        except RuntimeError:  # the iteration budget, over the whole chunk
            return None
        finally:
            self.subject.chunk = ()
        if value.type() != cel.Type.LIST:
            return None  # an error in any component
        return value.plain_value()

    def _batch(self, program: CelExprProgram, purpose: str) -> Any:
        key = (id(program), purpose)
        if key not in self._batched:
            self._batched[key] = self._compile_batch(program, purpose)
        return self._batched[key]

    def _compile_batch(self, program: CelExprProgram, purpose: str) -> Any:
        text = _batch_text(program, purpose)
        if text is None:
            return None
        try:
            return self.env.compile(text, disable_check=True)
        except RuntimeError:  # e.g. nested deeper than cel-cpp allows: one at a time
            return None

    def _run(self, expression: Any, part: str) -> Any:
        try:
            return expression.eval(activation=self.activation)
        except RuntimeError as exc:
            if "Iteration budget exceeded" in str(exc):
                raise CelEvalError(part, BUDGET_MESSAGE) from None
            raise CelEvalError(part, _message(str(exc))) from None


def _batch_text(program: CelExprProgram, purpose: str) -> str | None:
    """One evaluation over the components `sp_chunk()` returns: the failing
    ones (`match ? !assert : false`, so an error in `match` is never absorbed
    the way `&&` would absorb it), or every one's message."""
    parts = program.parts
    if purpose == "message":
        message = parts["message"].item_text if "message" in parts else None
        return None if message is None else f"sp_chunk().map(sp_item,\n{message}\n)"
    check = parts["assert"].item_text
    if check is None:
        return None
    failed = f"!(\n{check}\n)"
    if "match" in parts:
        match = parts["match"].item_text
        if match is None:
            return None
        failed = f"(\n{match}\n) ? {failed} : false"
    return f"sp_chunk().filter(sp_item,\n{failed}\n)"


def _pattern(pattern: str) -> str:
    """`pattern`, once it is known to mean the same to RE2 as to Python (an
    exception here is a CEL error worded by regex.message)."""
    regex.checked(pattern)
    return pattern


def _compile_error(part: str, text: str, errors: Sequence[re.Match[str]]) -> CelCompileError:
    match = errors[0] if errors else None
    if match is None:
        return CelCompileError(part, text.splitlines()[0] if text else "invalid expression")
    line, column, problem = int(match.group(1)), int(match.group(2)), match.group(3)
    return CelCompileError(part, f"syntax error: {_syntax(problem)}", line, column)


def _syntax(problem: str) -> str:
    problem = problem.removeprefix("Syntax error: ")
    for pattern, template in (
        (r"mismatched input '<EOF>'", "unexpected end"),
        (r"(?:mismatched|extraneous) input '(.*?)' expecting", "unexpected '{0}'"),
        (r"token recognition error at: '(.)", "unexpected character '{0}'"),
    ):
        found = re.search(pattern, problem)
        if found:
            return template.format(*found.groups())
    return problem


def _eval_message(value: Any) -> str:
    return _message(str(value.value()))


def _message(text: str) -> str:
    message = _STATUS.sub("", text)
    message = re.sub(r"\s*\[[A-Z_]+\]\s*$", "", message)
    key = _NOT_FOUND.search(message)
    if key:
        text = key.group(1)
        quoted = text.startswith('"') and text.endswith('"')
        return missing_key(text[1:-1] if quoted else _number(text))
    for pattern, wording in _MESSAGES:
        found = pattern.fullmatch(message)
        if found:
            return wording(found) if callable(wording) else wording
    return message


def _number(text: str) -> object:
    try:
        return int(text)
    except ValueError:
        return text


# cel-cpp's messages, worded as the seam words them (stackpolicy.cel.Errors).
_MESSAGES: tuple[tuple[re.Pattern[str], Any], ...] = tuple(
    (re.compile(pattern), wording)
    for pattern, wording in (
        (r"No matching overloads found.*", Errors.NO_OVERLOAD),
        (r"Index error: expected integer type.*", Errors.NO_OVERLOAD),
        (
            r"Index error: index=(-?\d+) size=(\d+)",
            lambda m: Errors.index_out_of_range(int(m.group(1)), int(m.group(2))),
        ),
        (r"double out of int64 range", Errors.INT_RANGE),
        (r"Invalid map key type: .*", Errors.BAD_MAP_KEY),
        (r"duplicate key in map", Errors.DUPLICATE_KEY),
    )
)
