"""The stackpolicy CEL dialect, checked once for every engine.

Both backends hand each part to `check` before their own library sees it, so
what a policy may write is decided here and nowhere else: which functions
and macros exist (with their arities and whether they are called on a
receiver), which literals, which names, and how deeply a part may nest.
Anything outside is a `CelCompileError` at its line and column, worded the
same on every engine (docs/cel-dialect.md lists the dialect).

The parse uses cel-python's lark grammar, which is installed with
stackpolicy whatever the engine.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from celpy.celparser import CELParseError, CELParser
from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedToken

from stackpolicy.cel import CelCompileError, regex, undeclared

MAX_DEPTH = 32
"""Deepest nesting of a part, counting what the seam wraps around it
(`depth` says what counts). cel-cpp refuses anything deeper than 32."""

MACROS = {"all": 2, "exists": 2, "exists_one": 2, "map": 2, "filter": 2}
"""Comprehension macros, called on a list or map: `range.all(x, predicate)`."""

GLOBAL_FUNCTIONS: dict[str, tuple[int, ...]] = {
    "size": (1,),
    "int": (1,),
    "double": (1,),
    "string": (1,),
    "type": (1,),
    "dyn": (1,),
    "has": (1,),
}
"""Functions called as `f(x)`, with the numbers of arguments each takes."""

RECEIVER_FUNCTIONS: dict[str, tuple[int, ...]] = {
    "size": (0,),
    "contains": (1,),
    "startsWith": (1,),
    "endsWith": (1,),
    "matches": (1,),
    "join": (0, 1),
    "split": (1,),
    "lowerAscii": (0,),
    "upperAscii": (0,),
    "trim": (0,),
    "replace": (2,),
    "indexOf": (1,),
    "lastIndexOf": (1,),
    "reverse": (0,),
}
"""Functions called as `x.f(...)`, with the numbers of arguments after the receiver."""

TYPE_NAMES = frozenset({"bool", "int", "double", "string", "list", "map", "null_type", "type"})
"""Type names a part may use as values, as in `type(x) == string`."""

_OPERATORS = {
    "conditionalor",
    "conditionaland",
    "relation",
    "addition",
    "multiplication",
}


@dataclass(frozen=True)
class Checked:
    """A part that passed the check: its parse tree, for the backend."""

    text: str
    tree: Tree


def parse(part: str, text: str) -> Tree:
    """The part's parse tree, or its syntax error at its place."""
    try:
        return CELParser().parse(text)
    except CELParseError as exc:
        problem = _parse_problem(exc, text)
        line, column = exc.line or 1, exc.column or 1
        if problem == "unexpected end":  # point just past the end
            lines = text.split("\n")
            line, column = len(lines), len(lines[-1]) + 1
        raise CelCompileError(part, f"syntax error: {problem}", line, column) from None
    except RecursionError:
        raise CelCompileError(part, too_deep()) from None


def check(part: str, text: str, names: Collection[str], wrapped: int = 0) -> Checked:
    """Parse `text` and check it against the dialect. `names` are the variables
    the part sees; `wrapped` is the nesting the backend adds around it."""
    tree = parse(part, text)
    try:
        _Checker(part, text, names).expression(tree, frozenset())
        levels = depth(tree) + wrapped
    except RecursionError:  # a tree the parser could build but is far too deep
        raise CelCompileError(part, too_deep(), 1, 1) from None
    if levels > MAX_DEPTH:
        raise CelCompileError(part, too_deep(), 1, 1)
    return Checked(text, tree)


def too_deep() -> str:
    return (
        f"expression nested too deeply (at most {MAX_DEPTH} levels, "
        "counting one for each variable the policy defines before it)"
    )


def wrapper_depth(component: bool, variables_before: int) -> int:
    """The nesting cel-expr's wrapper adds around a part (see
    cel_expr_backend): one `cel.bind` for `component` where it is bound, one
    for `params`, one for `variables` and one per earlier variable. The
    dialect counts it on every engine, so a part is accepted or refused the
    same way everywhere."""
    return int(component) + 2 + variables_before


def variable_wrapper_depth(component: bool, index: int) -> int:
    """The nesting around the policy's variable number `index` (from 0) in
    cel-expr's wrapper: the wrapper of the variables before it, then its own
    `cel.bind(variables, {..., 'name': <text>}, ...)`, a call and a map."""
    return wrapper_depth(component, index) + 2


def depth(tree: Tree | Token) -> int:
    """Nesting levels: every operation, call, literal, name, parenthesis,
    list and map is one; a macro is three (cel-cpp expands it into a loop
    whose body sits two levels below the call); a comprehension range is
    one more, for the seam's ordering of map keys."""
    if isinstance(tree, Token):
        return 0
    below = max((depth(c) for c in tree.children), default=0)
    kind = tree.data
    if kind in _OPERATORS or kind == "expr" or kind == "unary":
        return below + (1 if len(tree.children) > 1 else 0)
    if kind == "member_dot_arg" and _macro(tree) is not None:
        receiver, _, args = tree.children
        return max(depth(receiver) + 1, depth(args) + 2) + 1
    if kind == "member_dot_arg" and _method(tree) == "matches" and len(tree.children) > 2:
        # The seam checks the pattern at run time: one call around it.
        receiver, _, args = tree.children
        return max(depth(receiver), depth(args) + 1) + 1
    if kind in {
        "member_dot",
        "member_dot_arg",
        "member_index",
        "member_object",
        "ident_arg",
        "dot_ident_arg",
        "paren_expr",
        "list_lit",
        "map_lit",
        "literal",
        "ident",
        "dot_ident",
    }:
        return below + 1
    return below


def _method(tree: Tree) -> str | None:
    method = tree.children[1]
    return str(method) if isinstance(method, Token) else None


def _macro(tree: Tree) -> str | None:
    """The macro's name when `tree` is `range.macro(...)`."""
    method = tree.children[1]
    if isinstance(method, Token) and str(method) in MACROS:
        return str(method)
    return None


def macro_ranges(tree: Tree) -> Iterator[tuple[int, int]]:
    """Start and end offsets of every comprehension range in the source, so a
    backend can order map keys there."""
    for sub in tree.iter_subtrees():
        if sub.data == "member_dot_arg" and _macro(sub) is not None:
            receiver = sub.children[0]
            assert isinstance(receiver, Tree)
            start = getattr(receiver.meta, "start_pos", None)
            end = getattr(receiver.meta, "end_pos", None)
            # cel-python's parser leaves no position on a lone bool or null
            # literal; such a range is never a map, so it needs no key order.
            if start is not None and end is not None:
                yield start, end


def pattern_ranges(tree: Tree) -> Iterator[tuple[int, int]]:
    """Start and end offsets of the pattern of every `x.matches(pattern)`, so
    a backend can check a pattern computed at run time (regex.checked)."""
    for sub in tree.iter_subtrees():
        if sub.data == "member_dot_arg" and _method(sub) == "matches" and len(sub.children) > 2:
            args = sub.children[2]
            start = getattr(getattr(args, "meta", None), "start_pos", None)
            end = getattr(getattr(args, "meta", None), "end_pos", None)
            if start is not None and end is not None:
                yield start, end


def global_calls(tree: Tree, name: str) -> Iterator[int]:
    """Offsets of the name in every global call `name(...)`."""
    for sub in tree.iter_subtrees():
        if sub.data == "ident_arg" and str(sub.children[0]) == name:
            token = sub.children[0]
            assert isinstance(token, Token) and token.start_pos is not None
            yield token.start_pos


class _Checker:
    def __init__(self, part: str, text: str, names: Collection[str]) -> None:
        self.part = part
        self.text = text
        self.names = names

    def fail(self, at: Tree | Token, message: str) -> CelCompileError:
        line, column = _position(at)
        return CelCompileError(self.part, message, line, column)

    def expression(self, tree: Tree | Token, bound: frozenset[str]) -> None:
        if isinstance(tree, Token):
            return
        kind = tree.data
        if kind == "literal":
            self.literal(tree.children[0])  # type: ignore[arg-type]
        elif kind == "ident":
            self.ident(tree.children[0], bound)  # type: ignore[arg-type]
        elif kind in ("dot_ident", "dot_ident_arg"):
            raise self.fail(tree, "names with a leading '.' are not in the dialect")
        elif kind == "member_object":
            raise self.fail(tree, "message construction is not in the dialect")
        elif kind == "ident_arg":
            self.global_call(tree, bound)
        elif kind == "member_dot_arg":
            self.receiver_call(tree, bound)
        else:
            for child in tree.children:
                self.expression(child, bound)

    def literal(self, token: Token) -> None:
        if token.type == "UINT_LIT":
            raise self.fail(token, "unsigned integer literals (1u) are not in the dialect")
        if token.type == "BYTES_LIT":
            raise self.fail(token, "bytes literals (b'...') are not in the dialect")
        if token.type == "INT_LIT":
            if not -(2**63) <= int_literal(str(token)) < 2**63:
                raise self.fail(token, f"integer literal out of range: {token}")
        elif token.type == "FLOAT_LIT":
            if math.isinf(float(str(token))):
                raise self.fail(token, f"double literal out of range: {token}")
        elif token.type in ("STRING_LIT", "MLSTRING_LIT"):
            try:
                string_literal(str(token))
            except ValueError as exc:
                raise self.fail(token, f"invalid string literal: {exc}") from None

    def ident(self, token: Token, bound: frozenset[str]) -> None:
        name = str(token)
        if name not in self.names and name not in bound and name not in TYPE_NAMES:
            line, column = _position(token)
            raise undeclared(self.part, name, self.names, line, column)

    def arguments(self, tree: Tree | Token | None) -> list[Tree | Token]:
        if tree is None or isinstance(tree, Token):
            return []
        return list(tree.children)

    def global_call(self, tree: Tree, bound: frozenset[str]) -> None:
        name_token = tree.children[0]
        assert isinstance(name_token, Token)
        name = str(name_token)
        args = self.arguments(tree.children[1] if len(tree.children) > 1 else None)
        self.arity(name_token, name, GLOBAL_FUNCTIONS, RECEIVER_FUNCTIONS, len(args), "f(x)")
        if name == "has" and not (
            isinstance(args[0], Tree) and _unwrap(args[0]).data == "member_dot"
        ):
            raise self.fail(name_token, "has() takes a field selection, as in has(x.field)")
        for arg in args:
            self.expression(arg, bound)

    def receiver_call(self, tree: Tree, bound: frozenset[str]) -> None:
        receiver, name_token = tree.children[0], tree.children[1]
        assert isinstance(name_token, Token)
        name = str(name_token)
        args = self.arguments(tree.children[2] if len(tree.children) > 2 else None)
        self.expression(receiver, bound)
        if name in MACROS:
            if len(args) != MACROS[name]:
                raise self.fail(name_token, f"{name}() takes 2 arguments, not {len(args)}")
            variable = _bare_ident(args[0])
            if variable is None:
                raise self.fail(args[0], f"{name}()'s first argument must be a name")
            if variable in self.names or variable in TYPE_NAMES:
                raise self.fail(args[0], f"{name}() cannot rebind the name {variable!r}")
            self.expression(args[1], bound | {variable})
            return
        self.arity(name_token, name, RECEIVER_FUNCTIONS, GLOBAL_FUNCTIONS, len(args), "x.f()")
        for arg in args:
            self.expression(arg, bound)
        if name == "matches":
            self.pattern(args[0])

    def pattern(self, arg: Tree | Token) -> None:
        """A constant pattern must lie in the regex subset both engines share."""
        node = _unwrap(arg) if isinstance(arg, Tree) else None
        if node is None or node.data != "literal":
            return
        token = node.children[0]
        if isinstance(token, Token) and token.type in ("STRING_LIT", "MLSTRING_LIT"):
            problem = regex.problem(string_literal(str(token)))
            if problem:
                raise self.fail(token, problem)

    def arity(
        self,
        at: Token,
        name: str,
        table: dict[str, tuple[int, ...]],
        other: dict[str, tuple[int, ...]],
        count: int,
        style: str,
    ) -> None:
        if name not in table:
            if name in other or (name in MACROS and style == "f(x)"):
                called = "x.f()" if style == "f(x)" else "f(x)"
                raise self.fail(at, f"{name} is called as {called.replace('f', name)}")
            known = sorted({*GLOBAL_FUNCTIONS, *RECEIVER_FUNCTIONS, *MACROS})
            close = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.fail(
                at, f"unknown function {name!r}: it is not in the stackpolicy CEL dialect{hint}"
            )
        if count not in table[name]:
            takes = " or ".join(str(n) for n in table[name])
            raise self.fail(at, f"{name}() takes {takes} argument(s), not {count}")


def _unwrap(tree: Tree) -> Tree:
    """The node under a chain of single-child grammar levels."""
    while (
        len(tree.children) == 1
        and isinstance(tree.children[0], Tree)
        and tree.data not in ("ident", "literal", "paren_expr", "list_lit", "map_lit")
    ):
        tree = tree.children[0]
    return tree


def _bare_ident(tree: Tree | Token) -> str | None:
    if not isinstance(tree, Tree):
        return None
    node = _unwrap(tree)
    if node.data == "ident" and isinstance(node.children[0], Token):
        return str(node.children[0])
    return None


def _position(at: Tree | Token) -> tuple[int, int]:
    if isinstance(at, Token):
        return at.line or 1, at.column or 1
    meta = at.meta
    return getattr(meta, "line", 1) or 1, getattr(meta, "column", 1) or 1


def _parse_problem(exc: CELParseError, source: str) -> str:
    cause = exc.__context__
    if isinstance(cause, UnexpectedToken):
        token = str(cause.token)
        return f"unexpected {token!r}" if token and token != "$END" else "unexpected end"
    if isinstance(cause, UnexpectedCharacters):
        char = source[cause.pos_in_stream] if cause.pos_in_stream is not None else ""
        return f"unexpected character {char!r}"
    return "invalid expression"


def int_literal(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("-")
    return sign * (int(digits, 16) if digits[:2].lower() == "0x" else int(digits))


_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "?": "?",
    '"': '"',
    "'": "'",
    "`": "`",
}


def string_literal(text: str) -> str:
    """The value of a CEL string literal as the spec defines it (cel-python
    gets several escapes wrong, so its backend uses this one)."""
    raw = text[:1] in "rR"
    body = text[1:] if raw else text
    quote = 3 if body[:3] in ('"""', "'''") else 1
    body = body[quote:-quote]
    if raw:
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(body):
            raise ValueError("a lone backslash ends the string")
        kind = body[i + 1]
        if kind in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[kind])
            i += 2
        elif kind in "xX":
            out.append(_code_point(body[i + 2 : i + 4], 2, 16, "\\x"))
            i += 4
        elif kind == "u":
            out.append(_code_point(body[i + 2 : i + 6], 4, 16, "\\u"))
            i += 6
        elif kind == "U":
            out.append(_code_point(body[i + 2 : i + 10], 8, 16, "\\U"))
            i += 10
        elif kind in "0123":
            out.append(_code_point(body[i + 1 : i + 4], 3, 8, "octal"))
            i += 4
        else:
            raise ValueError(f"unknown escape \\{kind}")
    return "".join(out)


def _code_point(digits: str, count: int, base: int, what: str) -> str:
    allowed = "0123456789abcdefABCDEF"[: 22 if base == 16 else 8]
    if len(digits) != count or any(d not in allowed for d in digits):
        raise ValueError(f"{what} escape needs {count} digits")
    value = int(digits, base)
    if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
        raise ValueError(f"{what} escape is not a Unicode character")
    return chr(value)
