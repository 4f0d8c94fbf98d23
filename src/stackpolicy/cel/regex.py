"""The dialect's regular expressions: the subset RE2 and Python's `re` agree on.

`matches` runs on RE2 in cel-cpp and on Python's `re` in cel-python, and the
two differ: Python has lookarounds, backreferences, possessive quantifiers
and atomic groups, RE2 has `\\pL`, `[[:alpha:]]`, `\\Q...\\E` and `\\z`; `$`
matches before a final newline in Python only; `\\d`, `\\w`, `\\s`, `\\b` are
ASCII in RE2 and Unicode in Python. So a pattern must lie in the common
subset (`problem` says why not), the same check on every engine: at load for
a constant pattern (stackpolicy.cel.dialect), when `matches` runs for one
computed at run time (both backends call `checked`). On cel-python the
pattern is then rewritten (`python_pattern`) to mean what RE2 means.
"""

from __future__ import annotations

import functools
import re

MAX_REPEAT = 1000
"""RE2's largest repetition count."""

_DIGIT, _WORD, _SPACE = "0-9", "0-9A-Za-z_", "\\t\\n\\f\\r "
# RE2's Perl classes are ASCII; Python's are Unicode unless rewritten.
_CLASSES = {
    "d": f"[{_DIGIT}]",
    "D": f"[^{_DIGIT}]",
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
    "b": f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))",
    "B": f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))",
}
_IN_CLASS = {"d": _DIGIT, "w": _WORD, "s": _SPACE}
_SAME_ESCAPES = set("tnrfva")
_GROUP = re.compile(r"\(\?(?:(:)|P<[A-Za-z_][A-Za-z0-9_]*>|([is]*(?:-[is]+)?)([:)]))")
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_UNSUPPORTED_GROUPS = (
    ("(?=", "lookahead"),
    ("(?!", "lookahead"),
    ("(?<=", "lookbehind"),
    ("(?<!", "lookbehind"),
    ("(?>", "atomic groups"),
    ("(?(", "conditionals"),
    ("(?P=", "backreferences"),
    ("(?#", "comments"),
    ("(?<", "named groups written (?<name>...) (write (?P<name>...))"),
)


class RegexError(ValueError):
    """A pattern outside the common subset, or one that does not compile."""


def message(pattern: str, problem: str) -> str:
    return f"invalid regular expression {pattern!r}: {problem}"


@functools.lru_cache(maxsize=256)
def checked(pattern: str) -> re.Pattern[str]:
    """The pattern as Python is to run it; RegexError (worded by `message`)
    when it is outside the common subset or does not compile."""
    text, problem = _translate(pattern)
    if problem is None:
        try:
            return re.compile(text)
        except (re.error, OverflowError, RecursionError):
            problem = "it does not compile"
    raise RegexError(message(pattern, problem))


def problem(pattern: str) -> str | None:
    """Why `pattern` is outside the dialect, or None."""
    try:
        checked(pattern)
    except RegexError as exc:
        return str(exc)
    return None


def _translate(pattern: str) -> tuple[str, str | None]:
    """The Python pattern meaning what RE2 means by `pattern`, or the reason
    it has no common meaning."""
    out: list[str] = []
    i, in_class, class_start = 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 == len(pattern):
                return "", "a lone backslash ends it"
            piece, step, problem = _escape(pattern, i, in_class)
            if problem:
                return "", problem
            out.append(piece)
            i += step
            continue
        if in_class:
            if char == "]" and i > class_start:
                in_class = False
            elif char == "[":
                return "", "'[' inside a character class (write \\[; no [:alpha:] classes)"
            elif pattern[i : i + 2] in ("&&", "--", "~~", "||"):
                return "", f"{pattern[i : i + 2]!r} inside a character class"
            out.append(char)
            i += 1
            continue
        if char == "[":
            in_class = True
            class_start = i + 1 + (pattern[i + 1 : i + 2] == "^")
            out.append(char)
            i += 1
            continue
        if char == "(" and pattern[i + 1 : i + 2] == "?":
            group = _GROUP.match(pattern, i)
            if group is None:
                return "", _group_problem(pattern[i:])
            out.append(group.group())
            i = group.end()
            continue
        if char == "{":
            repeat = _REPEAT.match(pattern, i)
            if pattern[i : i + 2] == "{,":
                return "", "'{,n}' (write {0,n})"
            if repeat is not None:
                low, high = int(repeat.group(1)), repeat.group(3)
                if max(low, int(high or 0)) > MAX_REPEAT:
                    return "", f"a repetition count above {MAX_REPEAT}"
                out.append(repeat.group())
                i = repeat.end()
                if pattern[i : i + 1] == "+":
                    return "", "possessive quantifiers"
                continue
        if char in "*+?" and pattern[i + 1 : i + 2] == "+":
            return "", "possessive quantifiers"
        out.append("\\Z" if char == "$" else char)  # RE2's $ is the very end
        i += 1
    if in_class:
        return "", "an unclosed character class"
    return "".join(out), None


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int, str | None]:
    """The Python text for the escape at `i`, its length, or a problem."""
    kind = pattern[i + 1]
    if kind == "x":
        digits = pattern[i + 2 : i + 4]
        if len(digits) == 2 and all(d in "0123456789abcdefABCDEF" for d in digits):
            return pattern[i : i + 4], 4, None
        return "", 0, "\\x takes two hex digits"
    if kind in _SAME_ESCAPES:
        return pattern[i : i + 2], 2, None
    if not kind.isalnum():
        return pattern[i : i + 2], 2, None
    if in_class and kind in _IN_CLASS:
        return _IN_CLASS[kind], 2, None
    if not in_class and kind in _CLASSES:
        return _CLASSES[kind], 2, None
    if not in_class and kind == "A":
        return "\\A", 2, None
    return "", 0, f"the escape \\{kind} (it differs between RE2 and Python)"


def _group_problem(rest: str) -> str:
    for start, what in _UNSUPPORTED_GROUPS:
        if rest.startswith(start):
            return what
    return "flags other than i and s, or an unknown group"
