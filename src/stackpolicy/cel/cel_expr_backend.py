"""The cel-expr backend: Google's cel-cpp through cel-expr-python.

cel-expr-python converts every value passed to an evaluation, so binding a
10,000-component stack per evaluation would cost ~30 ms each time. Instead
the stack and every policy's params are bound once, in one activation, and
each part is compiled inside a wrapper that binds `component`, `params` and
the policy's `variables` from it:

    cel.bind(component, dyn(stack.components[sp_subject()]),
    cel.bind(params, dyn(sp_params['SP-INF-001']),
    cel.bind(variables, {'a': dyn(...)},
    (
    <the part as written>
    ))))

`sp_subject()` returns the index of the component being evaluated. Each part
is also compiled on its own first, so errors point into the source as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cel_expr_python import cel
from cel_expr_python.ext import ext_bindings, ext_strings

from stackpolicy.cel import (
    BUDGET_MESSAGE,
    CelCompileError,
    CelEvalError,
    PolicySource,
    missing_key,
    names_for,
    undeclared,
)

_DYN = cel.Type.DYN
_ERROR = re.compile(r"ERROR: <input>:(\d+):(\d+): (.*)")
_UNDECLARED = re.compile(r"undeclared reference to '([^']*)'")
_NOT_FOUND = re.compile(r'Key not found in map : "(.*)"')
_STATUS = re.compile(r"^[A-Z_]+: ")
# cel-cpp's checker rejects `dyn_value[key].map(...)` although dyn is a valid
# comprehension range; such expressions are fine at run time.
_SPURIOUS = re.compile(r"expression of type 'dyn' cannot be the range of a comprehension")


def make() -> CelExprBackend:
    return CelExprBackend()


@dataclass(frozen=True)
class CelExprProgram:
    source: PolicySource
    parts: Mapping[str, Any]
    variables: tuple[tuple[str, Any], ...]
    """Each variable wrapped with the ones before it, to tell which one failed."""


class _Subject:
    """The component index `sp_subject()` returns during an evaluation."""

    index = -1


class CelExprBackend:
    name = "cel-expr"

    def __init__(self) -> None:
        self._subject = _Subject()
        extensions = [ext_strings.ExtStrings(), ext_bindings.ExtBindings()]
        # For checking a part on its own: the variables it may use, all dyn.
        self._check_envs = {
            frozenset(names): cel.NewEnv(
                variables=dict.fromkeys(names, _DYN), extensions=extensions
            )
            for names in (names_for("component", ""), names_for("stack", ""))
        }
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
        self._env = cel.NewEnv(
            variables={"stack": _DYN, "sp_params": _DYN},
            functions=[subject],
            extensions=extensions,
        )

    def compile(self, source: PolicySource) -> CelExprProgram:
        for name, text in source.variables:
            self._check(f"variables.{name}", text, names_for(source.scope, ""))
        for part, text in source.parts.items():
            self._check(part, text, names_for(source.scope, part))
        variables = tuple(
            (
                name,
                self._wrapped(
                    source,
                    part_component=source.scope == "component",
                    variables=source.variables[:i],
                    body=text,
                ),
            )
            for i, (name, text) in enumerate(source.variables)
        )
        parts = {
            part: self._wrapped(
                source,
                part_component=source.scope == "component" or part == "message",
                variables=source.variables,
                body=text,
            )
            for part, text in source.parts.items()
        }
        return CelExprProgram(source, parts, variables)

    def _check(self, part: str, text: str, names: set[str]) -> None:
        """Parse and type-check the part as written, to report errors at their
        place in it."""
        try:
            self._check_envs[frozenset(names)].compile(text)
        except RuntimeError as exc:
            errors = [e for e in _ERROR.finditer(str(exc)) if not _SPURIOUS.search(e.group(3))]
            if errors or not _ERROR.search(str(exc)):
                raise _compile_error(part, str(exc), names, errors) from None

    def _wrapped(
        self,
        source: PolicySource,
        part_component: bool,
        variables: Sequence[tuple[str, str]],
        body: str,
    ) -> Any:
        lines = []
        if part_component:
            lines.append(
                "cel.bind(component, "
                "dyn(sp_subject() >= 0 ? stack.components[sp_subject()] : null),"
            )
        lines.append(f"cel.bind(params, dyn(sp_params[{json.dumps(source.key)}]),")
        lines.append("cel.bind(variables, dyn({}),")
        for i, (name, text) in enumerate(variables):
            earlier = "".join(f"{json.dumps(n)}: variables.{n}, " for n, _ in variables[:i])
            # dyn(): the checker must not narrow a variable's type from its first use.
            lines.append(f"cel.bind(variables, {{{earlier}{json.dumps(name)}: dyn({text})}},")
        text = "\n".join(lines) + "\n(\n" + body + "\n)" + ")" * len(lines)
        # Already checked on its own; the wrapper only binds names.
        return self._env.compile(text, disable_check=True)

    def bind(
        self,
        stack: Mapping[str, Any],
        components: Sequence[Mapping[str, Any]],
        params: Mapping[str, Mapping[str, Any]],
    ) -> CelExprBinding:
        activation = self._env.Activation(
            data={"stack": stack, "sp_params": {k: dict(v) for k, v in params.items()}}
        )
        return CelExprBinding(activation, self._subject)


@dataclass
class CelExprBinding:
    activation: Any
    subject: _Subject

    def evaluate(self, program: CelExprProgram, part: str, subject: int | None) -> Any:
        self.subject.index = -1 if subject is None else subject
        value = self._run(program.parts[part], part)
        if value.type() != cel.Type.ERROR:
            return value.plain_value()
        # Which variable failed, if any, so the error names it.
        for name, variable in program.variables:
            failed = self._run(variable, f"variables.{name}")
            if failed.type() == cel.Type.ERROR:
                raise CelEvalError(f"variables.{name}", _eval_message(failed))
        raise CelEvalError(part, _eval_message(value))

    def _run(self, expression: Any, part: str) -> Any:
        try:
            return expression.eval(activation=self.activation)
        except RuntimeError as exc:
            if "Iteration budget exceeded" in str(exc):
                raise CelEvalError(part, BUDGET_MESSAGE) from None
            raise CelEvalError(part, _STATUS.sub("", str(exc))) from None


def _compile_error(
    part: str, text: str, names: set[str], errors: Sequence[re.Match[str]]
) -> CelCompileError:
    match = errors[0] if errors else None
    if match is None:
        return CelCompileError(part, text.splitlines()[0] if text else "invalid expression")
    line, column, problem = int(match.group(1)), int(match.group(2)), match.group(3)
    name = _UNDECLARED.search(problem)
    if name:
        qualified = name.group(1)
        first = qualified.split(".")[0]
        # cel-cpp points at the last `.` of a qualified name; point at its start.
        start = (
            column - (len(qualified) - len(qualified.rsplit(".", 1)[-1]) - 1)
            if "." in qualified
            else column
        )
        return undeclared(part, first, names, line, max(start, 1))
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
    message = _STATUS.sub("", str(value.value()))
    key = _NOT_FOUND.search(message)
    if key:
        return missing_key(key.group(1))
    if message.startswith("No matching overloads found"):
        return "no matching overload"
    return message
