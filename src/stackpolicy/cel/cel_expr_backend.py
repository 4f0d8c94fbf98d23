"""The cel-expr backend: Google's cel-cpp through cel-expr-python.

cel-expr-python converts every value passed to an evaluation, so binding a
10,000-component stack per evaluation would cost ~30 ms each time. Instead
the stack and every policy's params are bound once, in one activation, and
each part is compiled inside a wrapper that binds `component`, `params` and
the policy's `variables` from it:

    cel.bind(component, sp_subject() != "" ? stack.by_name[sp_subject()] : null,
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

`sp_subject()` returns the name of the component being evaluated ("" for
the stack): `component` is looked up in `stack.by_name`, so that cel-cpp
needs `stack.components` (its own copy of every component, the largest part
of its memory) only for a policy that might read it. Each part
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
    checked_cache,
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
    'cel.bind(component, sp_subject() != "" ? stack.by_name[sp_subject()] : null,'
)
_COMPONENT_OF_ITEM = "cel.bind(component, stack.by_name[sp_item],"
# Where `stack` may only be followed by one of these, a policy cannot see
# `stack.components` (anything else, a comment or a string included, might).
_STACK = re.compile(r"\bstack\b")
_LEAN_STACK_FIELDS = ("by_name", "by_kind", "by_layer", "name", "org")
_LEAN_STACK_USE = re.compile(rf"\s*\.\s*(?:{'|'.join(_LEAN_STACK_FIELDS)})\b")


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
    sees_components: bool
    """Whether it may read `stack.components` (see `_sees_components`)."""


class _Subject:
    """The component name `sp_subject()` returns during an evaluation, the
    names `sp_chunk()` returns during a batched one, and what `sp_note(x)`
    noted there."""

    name = ""
    chunk: Sequence[str] = ()
    noted: list[str]

    def __init__(self) -> None:
        self.noted = []

    def note(self, value: str) -> bool:
        self.noted.append(value)
        return True


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
                    return_type=cel.Type.STRING,
                    parameters=[],
                    impl=lambda: self._subject.name,
                )
            ],
        )
        chunk = cel.FunctionDecl(
            "sp_chunk",
            [
                cel.Overload(
                    "sp_chunk_",
                    return_type=cel.Type.List(cel.Type.STRING),
                    parameters=[],
                    impl=lambda: list(self._subject.chunk),
                )
            ],
        )
        note = cel.FunctionDecl(
            "sp_note",
            [
                cel.Overload(
                    "sp_note_string",
                    return_type=cel.Type.BOOL,
                    parameters=[cel.Type.STRING],
                    impl=self._subject.note,
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
            functions=[subject, chunk, note, keys, strings, patterns],
            extensions=extensions,
        )

    def compile(self, source: PolicySource) -> CelExprProgram:
        checked = checked_cache.load(source)
        if checked is None:
            checked = self._checked(source)
            checked_cache.store(source, checked)
        variables, parts = checked.variables, checked.parts
        component = source.scope == "component"
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
            checked.sees_components,
        )

    def _checked(self, source: PolicySource) -> checked_cache.Checked:
        """The policy's variables and parts checked against the dialect and
        rewritten for cel-cpp (see `_text`)."""
        # Imported here: the dialect's parser (lark and cel-python, ~0.2 s to
        # import and build) is needed only for a policy the cache does not know.
        from stackpolicy.cel import dialect

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
        return checked_cache.Checked(variables, parts, _sees_components(source))

    def _text(self, wrapped: int, part: str, text: str, names: set[str]) -> str:
        """The part, checked against the dialect, as cel-cpp is to compile it:
        every comprehension range goes through `sp_range`, so map keys are
        visited in the dialect's order."""
        from stackpolicy.cel import dialect  # see _checked

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
        programs: Sequence[CelExprProgram] = (),
    ) -> CelExprBinding:
        return CelExprBinding(
            self._env,
            self._subject,
            stack,
            [c["name"] for c in components],
            {k: dict(v) for k, v in params.items()},
            lean=not any(p.sees_components for p in programs),
        )


@dataclass
class CelExprBinding:
    """The stack bound once. cel-expr-python converts it at the first
    evaluation; without `components` (which only a policy that names them
    reads: `component` is looked up in `stack.by_name`) that takes half the
    memory and half the time."""

    env: Any
    subject: _Subject
    stack: Mapping[str, Any]
    names: Sequence[str]
    params: Mapping[str, Any]
    lean: bool
    """Whether the stack is bound without `components`."""
    batches = True
    _bound: Any = None
    _checked: set[int] = field(default_factory=set)
    _batched: dict[tuple[int, str], Any] = field(default_factory=dict)
    """The batched expressions, compiled when first needed, by (program, purpose)."""

    def evaluate(self, program: CelExprProgram, part: str, subject: int | None) -> Any:
        self.subject.name = "" if subject is None else self.names[subject]
        activation = self._activation(program)
        value = self._run(program.parts[part].expression, part, activation)
        if value.type() != cel.Type.ERROR:
            return plain(value.plain_value())
        # Which variable failed, if any, so the error names it.
        for name, variable in program.variables:
            failed = self._run(variable.expression, f"variables.{name}", activation)
            if failed.type() == cel.Type.ERROR:
                raise CelEvalError(f"variables.{name}", _eval_message(failed))
        raise CelEvalError(part, _eval_message(value))

    def failing(self, program: CelExprProgram, subjects: Sequence[int]) -> list[int] | None:
        found = self._each(program, "failing", subjects)
        if found is None:
            return None
        index = {self.names[i]: i for i in subjects}
        return [index[name] for name in found]

    def messages(self, program: CelExprProgram, subjects: Sequence[int]) -> list[str] | None:
        found = self._each(program, "message", subjects)
        return found if found is not None and len(found) == len(subjects) else None

    def _each(self, program: CelExprProgram, purpose: str, subjects: Sequence[int]) -> Any:
        """What the batched expression noted over `subjects`, or None when it
        cannot be compiled or fails in any way."""
        expression = self._batch(program, purpose)
        if expression is None:
            return None
        self.subject.chunk = [self.names[i] for i in subjects]
        self.subject.noted = []
        try:
            value = expression.eval(activation=self._activation(program))
        except RuntimeError:  # the iteration budget, over the whole chunk
            return None
        finally:
            self.subject.chunk = ()
        if value.type() != cel.Type.BOOL or value.value() is not True:
            return None  # an error in some component
        return self.subject.noted

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

    def _activation(self, program: CelExprProgram) -> Any:
        """The activation, with `components` once any program might read them
        (a program `bind` was not told of is checked when it first runs)."""
        if self.lean and id(program) not in self._checked:
            self._checked.add(id(program))
            if program.sees_components:
                self.lean, self._bound = False, None
        if self._bound is None:
            stack = self.stack
            if self.lean:
                stack = {k: v for k, v in stack.items() if k != "components"}
            self._bound = self.env.Activation(data={"stack": stack, "sp_params": self.params})
        return self._bound

    def _run(self, expression: Any, part: str, activation: Any) -> Any:
        try:
            return expression.eval(activation=activation)
        except RuntimeError as exc:
            if "Iteration budget exceeded" in str(exc):
                raise CelEvalError(part, BUDGET_MESSAGE) from None
            raise CelEvalError(part, _message(str(exc))) from None


def _sees_components(source: PolicySource) -> bool:
    """Whether a policy might read `stack.components`: where each `stack` in
    its text is `stack.by_name`, `.by_kind`, `.by_layer`, `.name` or `.org`,
    it cannot (anything else might: `stack["components"]`, `stack.size()`,
    a macro over `stack`)."""
    texts = [*source.parts.values(), *(text for _, text in source.variables)]
    return any(_text_sees_components(text) for text in texts)


def _text_sees_components(text: str) -> bool:
    if all(_LEAN_STACK_USE.match(text, found.end()) for found in _STACK.finditer(text)):
        return False  # every `stack`, even in strings and comments, is a lean use
    # Only then tokenize (a string or a comment may say "stack"), with the
    # dialect's lexer: this runs where the dialect check has just parsed the
    # policy (the answer is kept with the check's in checked_cache).
    from celpy.celparser import CELParser

    try:
        CELParser()  # builds cel-python's grammar, once per process
        assert CELParser.CEL_PARSER is not None
        tokens = [(t.type, str(t)) for t in CELParser.CEL_PARSER.lex(text)]
    except Exception:  # the dialect check has passed: unexpected, so assume it might
        return True
    tokens += [("", "")] * 2
    return any(
        tokens[i + 1] != ("DOT", ".") or tokens[i + 2][1] not in _LEAN_STACK_FIELDS
        for i, token in enumerate(tokens)
        if token == ("IDENT", "stack")
    )


def _batch_text(program: CelExprProgram, purpose: str) -> str | None:
    """One evaluation over the components `sp_chunk()` names, noting (with
    `sp_note`, in order) each failing component's name, or each message.

    `all` over `true`s, not `filter` or `map`: every value an evaluation
    makes stays in the bound activation's arena until the run ends, and the
    lists those macros build are copied on every append (~75 KB for 64).
    `all` of `true`s (`sp_note` returns true) is true exactly when no
    component failed to evaluate. `match ? assert : true`, not `&&`, which
    would absorb an error in `match` where `assert` is false; a value of the
    wrong type is an error in `?:`, in `!` and in `sp_note(string)`."""
    parts = program.parts
    if purpose == "message":
        message = parts["message"].item_text if "message" in parts else None
        if message is None:
            return None
        return f"sp_chunk().all(sp_item, sp_note(\n{message}\n))"
    passes = parts["assert"].item_text
    if passes is None:
        return None
    if "match" in parts:
        match = parts["match"].item_text
        if match is None:
            return None
        passes = f"(\n{match}\n) ? (\n{passes}\n) : true"
    return f"sp_chunk().all(sp_item, (\n{passes}\n) ? true : sp_note(sp_item))"


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
