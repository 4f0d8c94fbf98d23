"""The dialect's semantics on cel-python, where cel-python departs from the spec.

cel-python raises "no matching overload" on mixed int/double comparisons,
computes 0.0/0.0 as infinity, lets `[1, 2][-1]` through, keeps some escapes
raw, formats doubles its own way and so on. Every operator and function of
the dialect is therefore defined here as the spec (and cel-cpp) has it, and
handed to cel-python as overrides; the error wording is the seam's
(`stackpolicy.cel.Errors`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from celpy import celtypes
from celpy.evaluation import CELEvalError

from stackpolicy.cel import Errors, format_double, missing_key, regex

INT_MIN, INT_MAX = -(2**63), 2**63 - 1

Function = Callable[..., Any]


def error(message: str) -> CELEvalError:
    return CELEvalError(message, ValueError, None)


TYPES: dict[str, Any] = {
    "bool": celtypes.BoolType,
    "int": celtypes.IntType,
    "double": celtypes.DoubleType,
    "string": celtypes.StringType,
    "list": celtypes.ListType,
    "map": celtypes.MapType,
    "null_type": type(None),
    "type": celtypes.TypeType,
}
"""The dialect's type names as cel-python's type values (cel-python would
look `int` up among the functions, where the seam's int() now is)."""


def kind(value: Any) -> str:
    """The CEL type of a cel-python value (bool before int: BoolType is an int)."""
    if isinstance(value, (celtypes.BoolType, bool)):
        return "bool"
    if isinstance(value, celtypes.UintType):
        return "uint"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "map"
    return "other"


_NUMBERS = {"int", "uint", "double"}


def _errors_first(function: Function) -> Function:
    """An error argument is the result, as in cel-cpp."""

    def call(*args: Any) -> Any:
        for arg in args:
            if isinstance(arg, CELEvalError):
                return arg
        return function(*args)

    call.__name__ = function.__name__
    return call


def _int(value: int) -> Any:
    if not INT_MIN <= value <= INT_MAX:
        return error(Errors.OVERFLOW)
    return celtypes.IntType(value)


def equal(a: Any, b: Any) -> bool:
    """CEL equality: numbers compare by value across int and double, other
    different types are unequal, lists and maps compare element-wise."""
    ka, kb = kind(a), kind(b)
    if ka in _NUMBERS and kb in _NUMBERS:
        return _numbers(a, b) == 0
    if ka == "other" or kb == "other":  # type values: cel-python's own equality
        return bool(a == b)
    if ka != kb:
        return False
    if ka == "list":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if ka == "map":
        if len(a) != len(b):
            return False
        for key, value in a.items():
            found = lookup(b, key)
            if found is MISSING or not equal(value, found):
                return False
        return True
    return bool(a == b)


MISSING = object()


def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """The value at `key`, where a number finds an equal number of another type."""
    key_kind = kind(key)
    if key_kind == "string":
        # Only a string equals a string (and hashes as one): a hash lookup,
        # not a walk over the map (stack.by_name has a key per component).
        return mapping.get(key, MISSING)
    if key_kind in _NUMBERS:
        for candidate, value in mapping.items():
            if kind(candidate) in _NUMBERS and _python(candidate) == _python(key):
                return value
        return MISSING
    for candidate, value in mapping.items():
        if kind(candidate) == kind(key) and candidate == key:
            return value
    return MISSING


def _numbers(a: Any, b: Any) -> int | None:
    """-1, 0 or 1; None when NaN makes them unordered. An int meets a double
    as a double, as cel-cpp and the conformance tests have it (so 2**63 - 1
    is not less than 2.0**63)."""
    x, y = _python(a), _python(b)
    if isinstance(x, float) or isinstance(y, float):
        x, y = float(x), float(y)
        if math.isnan(x) or math.isnan(y):
            return None
    return (x > y) - (x < y)


def _compare(a: Any, b: Any) -> Any:
    ka, kb = kind(a), kind(b)
    if ka in _NUMBERS and kb in _NUMBERS:
        return _numbers(a, b)
    if ka == kb and ka in ("string", "bool"):
        return (a > b) - (a < b)
    return _NO_OVERLOAD


_NO_OVERLOAD = object()


def _ordering(test: Callable[[int], bool], name: str) -> Function:
    def compare(a: Any, b: Any) -> Any:
        order = _compare(a, b)
        if order is _NO_OVERLOAD:
            return error(Errors.NO_OVERLOAD)
        return celtypes.BoolType(order is not None and test(order))

    compare.__name__ = name
    return _errors_first(compare)


def _conditional(condition: Any, when_true: Any, when_false: Any) -> Any:
    """Both branches come evaluated; only the chosen one's error counts."""
    if isinstance(condition, CELEvalError):
        return condition
    if kind(condition) != "bool":
        return error(Errors.NO_OVERLOAD)
    return when_true if condition else when_false


@_errors_first
def _eq(a: Any, b: Any) -> Any:
    return celtypes.BoolType(equal(a, b))


@_errors_first
def _ne(a: Any, b: Any) -> Any:
    return celtypes.BoolType(not equal(a, b))


@_errors_first
def _add(a: Any, b: Any) -> Any:
    ka, kb = kind(a), kind(b)
    if ka != kb:
        return error(Errors.NO_OVERLOAD)
    if ka == "int":
        return _int(int(a) + int(b))
    if ka == "double":
        return celtypes.DoubleType(float(a) + float(b))
    if ka == "string":
        return celtypes.StringType(str(a) + str(b))
    if ka == "list":
        return celtypes.ListType([*a, *b])
    return error(Errors.NO_OVERLOAD)


def _arithmetic(
    on_int: Callable[[int, int], Any], on_double: Callable[[float, float], Any]
) -> Function:
    def apply(a: Any, b: Any) -> Any:
        ka, kb = kind(a), kind(b)
        if ka == kb == "int":
            return on_int(int(a), int(b))
        if ka == kb == "double":
            return on_double(float(a), float(b))
        return error(Errors.NO_OVERLOAD)

    return _errors_first(apply)


def _int_div(a: int, b: int) -> Any:
    if b == 0:
        return error(Errors.DIVIDE_BY_ZERO)
    quotient = abs(a) // abs(b)  # CEL truncates toward zero
    return _int(quotient if (a < 0) == (b < 0) else -quotient)


def _int_mod(a: int, b: int) -> Any:
    if b == 0:
        return error(Errors.MODULUS_BY_ZERO)
    remainder = abs(a) % abs(b)  # the sign of the dividend
    return celtypes.IntType(-remainder if a < 0 else remainder)


def _double_div(a: float, b: float) -> Any:
    if b == 0:  # IEEE 754, where Python raises
        if a == 0 or math.isnan(a):
            return celtypes.DoubleType(math.nan)
        return celtypes.DoubleType(math.copysign(math.inf, a) * math.copysign(1.0, b))
    return celtypes.DoubleType(a / b)


def _no_double(a: float, b: float) -> Any:
    return error(Errors.NO_OVERLOAD)


@_errors_first
def _neg(a: Any) -> Any:
    if kind(a) == "int":
        return _int(-int(a))
    if kind(a) == "double":
        return celtypes.DoubleType(-float(a))
    return error(Errors.NO_OVERLOAD)


@_errors_first
def _not(a: Any) -> Any:
    if kind(a) != "bool":
        return error(Errors.NO_OVERLOAD)
    return celtypes.BoolType(not a)


@_errors_first
def _index(container: Any, key: Any) -> Any:
    ck, kk = kind(container), kind(key)
    if ck == "list":
        if kk == "double" and float(key).is_integer():
            key = int(key)  # spec: a double index with an integral value is allowed
        elif kk not in ("int", "uint"):
            return error(Errors.NO_OVERLOAD)
        if not 0 <= int(key) < len(container):
            return error(Errors.index_out_of_range(int(key), len(container)))
        return container[int(key)]
    if ck == "map":
        if kk not in ("int", "uint", "double", "string", "bool"):
            return error(Errors.NO_OVERLOAD)
        found = lookup(container, key)
        if found is MISSING:
            return error(missing_key(_python(key)))
        return found
    return error(Errors.NO_OVERLOAD)


@_errors_first
def _in(item: Any, container: Any) -> Any:
    if kind(container) == "map":
        if kind(item) == "string":  # a hash lookup, the common case
            return celtypes.BoolType(item in container)
        return celtypes.BoolType(lookup(container, item) is not MISSING)
    if kind(container) == "list":
        return celtypes.BoolType(any(equal(item, element) for element in container))
    return error(Errors.NO_OVERLOAD)


@_errors_first
def _size(value: Any) -> Any:
    if kind(value) in ("string", "list", "map"):
        return celtypes.IntType(len(value))
    return error(Errors.NO_OVERLOAD)


_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_DOUBLE_TEXT = re.compile(
    r"[+-]?(?:[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
    r"|inf|infinity|nan)",
    re.IGNORECASE,
)


@_errors_first
def _to_int(value: Any) -> Any:
    k = kind(value)
    if k in ("int", "uint"):
        return _int(int(value))
    if k == "double":
        number = float(value)
        # cel-cpp refuses both ends, as the spec's conformance tests expect.
        if math.isnan(number) or not INT_MIN < number < INT_MAX:
            return error(Errors.INT_RANGE)
        return celtypes.IntType(int(number))
    if k == "string":
        if not _INT_TEXT.fullmatch(str(value)):
            return error(Errors.invalid_conversion("int"))
        return _int(int(str(value)))
    return error(Errors.NO_OVERLOAD)


@_errors_first
def _to_double(value: Any) -> Any:
    k = kind(value)
    if k in ("int", "uint", "double"):
        return celtypes.DoubleType(float(value))
    if k == "string":
        if not _DOUBLE_TEXT.fullmatch(str(value)):
            return error(Errors.invalid_conversion("double"))
        return celtypes.DoubleType(float(str(value)))
    return error(Errors.NO_OVERLOAD)


@_errors_first
def _to_string(value: Any) -> Any:
    k = kind(value)
    if k == "string":
        return value
    if k == "bool":
        return celtypes.StringType("true" if value else "false")
    if k in ("int", "uint"):
        return celtypes.StringType(str(int(value)))
    if k == "double":
        return celtypes.StringType(format_double(float(value)))
    return error(Errors.NO_OVERLOAD)


def _strings(name: str, impl: Callable[..., Any], arity: int) -> Function:
    def call(*args: Any) -> Any:
        if len(args) != arity or not all(kind(a) == "string" for a in args):
            return error(Errors.NO_OVERLOAD)
        return impl(*(str(a) for a in args))

    call.__name__ = name
    return _errors_first(call)


@_errors_first
def _join(items: Any, separator: Any = "") -> Any:
    if kind(items) != "list" or kind(separator) != "string":
        return error(Errors.NO_OVERLOAD)
    if not all(kind(i) == "string" for i in items):
        return error(Errors.NO_OVERLOAD)
    return celtypes.StringType(str(separator).join(str(i) for i in items))


def _matches(text: str, pattern: str) -> Any:
    """RE2's meaning, on Python's `re` (stackpolicy.cel.regex)."""
    try:
        compiled = regex.checked(pattern)
    except regex.RegexError as exc:
        return error(str(exc))
    return celtypes.BoolType(compiled.search(text) is not None)


def _split(text: str, separator: str) -> Any:
    # An empty separator splits into characters, as cel-cpp and cel-go do.
    parts = list(text) if separator == "" else text.split(separator)
    return celtypes.ListType(celtypes.StringType(p) for p in parts)


# Go's unicode.IsSpace, which the strings extension's trim() strips; Python's
# str.strip() also strips \x1c-\x1f.
_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _string(value: str) -> celtypes.StringType:
    return celtypes.StringType(value)


def _python(value: Any) -> Any:
    k = kind(value)
    if k == "bool":
        return bool(value)
    if k in ("int", "uint"):
        return int(value)
    if k == "double":
        return float(value)
    if k == "string":
        return str(value)
    return value


FUNCTIONS: dict[str, Function] = {
    "_?_:_": _conditional,
    "_==_": _eq,
    "_!=_": _ne,
    "_<_": _ordering(lambda o: o < 0, "_<_"),
    "_<=_": _ordering(lambda o: o <= 0, "_<=_"),
    "_>_": _ordering(lambda o: o > 0, "_>_"),
    "_>=_": _ordering(lambda o: o >= 0, "_>=_"),
    "_+_": _add,
    "_-_": _arithmetic(lambda a, b: _int(a - b), lambda a, b: celtypes.DoubleType(a - b)),
    "_*_": _arithmetic(lambda a, b: _int(a * b), lambda a, b: celtypes.DoubleType(a * b)),
    "_/_": _arithmetic(_int_div, _double_div),
    "_%_": _arithmetic(_int_mod, _no_double),
    "-_": _neg,
    "!_": _not,
    "_[_]": _index,
    "_in_": _in,
    "size": _size,
    "int": _to_int,
    "double": _to_double,
    "string": _to_string,
    "contains": _strings("contains", lambda s, t: celtypes.BoolType(t in s), 2),
    "startsWith": _strings("startsWith", lambda s, t: celtypes.BoolType(s.startswith(t)), 2),
    "endsWith": _strings("endsWith", lambda s, t: celtypes.BoolType(s.endswith(t)), 2),
    "join": _join,
    "matches": _strings("matches", _matches, 2),
    "split": _strings("split", _split, 2),
    "lowerAscii": _strings("lowerAscii", lambda s: _string(s.translate(_LOWER)), 1),
    "upperAscii": _strings("upperAscii", lambda s: _string(s.translate(_UPPER)), 1),
    "trim": _strings("trim", lambda s: _string(s.strip(_SPACE)), 1),
    "replace": _strings("replace", lambda s, old, new: _string(s.replace(old, new)), 3),
    "indexOf": _strings("indexOf", lambda s, sub: celtypes.IntType(s.find(sub)), 2),
    "lastIndexOf": _strings("lastIndexOf", lambda s, sub: celtypes.IntType(s.rfind(sub)), 2),
    "reverse": _strings("reverse", lambda s: _string(s[::-1]), 1),
}
"""cel-python's names for the dialect's operators and functions, as the spec has them."""
