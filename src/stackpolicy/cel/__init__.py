"""The one place that touches a CEL library.

The engine hands each policy's expressions to `Backend.compile` (getting a
`PolicyProgram`), binds the stack once with `Backend.bind` (getting a
`Binding`), then asks the binding to evaluate one part of one policy
(`match`, `assert`, `locate`, `message`) for one subject: a component's
index in the stack, or None for the stack itself. The binding owns the
policy's `variables`, `params` and the `component` variable. Every failure
is a `CelCompileError` (with a 1-based position inside the part's source)
or a `CelEvalError`, with the same wording on every backend.

Two backends speak one dialect (docs/cel-dialect.md): `cel-expr`, Google's
cel-cpp through cel-expr-python, and `celpy`, the pure-Python cel-python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal, Protocol, TypeVar

from stackpolicy.errors import UsageError
from stackpolicy.location import Location

ITERATION_BUDGET = 9_999
"""Comprehension steps (all, exists, exists_one, map, filter) one evaluation may take."""

CHUNK = 64
"""Components judged in one evaluation (`Binding.failing`). Enough to spread
the cost around each evaluation until it vanishes; few enough that the
chunk's shared iteration budget (a chunk over it is judged again one by
one) is rarely reached, and that the list of its names, which stays in
cel-expr's activation until the run ends, stays small (~6.6 KB)."""

BUDGET_MESSAGE = (
    f"evaluation exceeded the iteration budget ({ITERATION_BUDGET} comprehension steps); "
    "a rule must not walk the whole stack: look components up through stack.by_name, "
    "stack.by_kind or component.referrers, or make it a component-scope rule"
)

PARTS = ("match", "assert", "locate", "message")

Scope = Literal["component", "stack"]
"""`component`: a policy judges each component on its own; `stack`: the whole stack once."""


@dataclass(frozen=True)
class PolicySource:
    """One policy's CEL, as the backend compiles it."""

    key: str
    """Names the policy in `Backend.bind`'s params (its id)."""
    scope: Scope
    """`component`: `component` is bound in every part; `stack`: only in `message`."""
    variables: tuple[tuple[str, str], ...]
    parts: Mapping[str, str]


class CelCompileError(Exception):
    def __init__(self, part: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.part = part
        self.message = message
        self.line = line
        self.column = column


class CelEvalError(Exception):
    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.message = message


class PolicyProgram(Protocol):
    @property
    def source(self) -> PolicySource: ...


# Each backend has its own program type: a binding evaluates only the programs
# its own backend compiled, so the Protocols are generic in that type.
ProgramT = TypeVar("ProgramT", bound=PolicyProgram)
ProgramT_contra = TypeVar("ProgramT_contra", bound=PolicyProgram, contravariant=True)


class Binding(Protocol[ProgramT_contra]):
    def evaluate(self, program: ProgramT_contra, part: str, subject: int | None) -> Any:
        """The part's value as plain Python (bool, int, float, str, list, dict, None)."""
        ...

    # A chunk of components at once. The Python around each evaluation costs
    # as much as cel-cpp's work, so a component-scope policy is judged a chunk
    # at a time where the engine can. Only success is batched: on any failure
    # (an error, a value of the wrong type, the iteration budget, which then
    # counts the whole chunk) the answer is None and the caller evaluates each
    # component alone, so findings, messages and errors are exactly those of
    # one evaluation per component.

    @property
    def batches(self) -> bool:
        """Whether `failing` and `messages` can answer (else they are not asked)."""
        ...

    def failing(self, program: ProgramT_contra, subjects: Sequence[int]) -> list[int] | None:
        """Of `subjects` (component indexes, ascending), those whose `match` (if
        the policy has one) is true and `assert` false, each part a bool; None
        when that cannot be told without evaluating each component alone."""
        ...

    def messages(self, program: ProgramT_contra, subjects: Sequence[int]) -> list[str] | None:
        """The `message` of each of `subjects`, each a string; None as `failing`."""
        ...


class Backend(Protocol[ProgramT]):
    @property
    def name(self) -> str: ...

    def compile(self, source: PolicySource) -> ProgramT: ...

    def bind(
        self,
        stack: Mapping[str, Any],
        components: Sequence[Mapping[str, Any]],
        params: Mapping[str, Mapping[str, Any]],
        programs: Sequence[ProgramT] = (),
    ) -> Binding[ProgramT]:
        """Bind the stack (`components` are the items of stack["components"],
        and stack["by_name"] maps each one's name to it) and every policy's
        params, by key, once for the whole run. `programs` are the ones to be
        evaluated, if known: a backend may then bind only what they can read."""
        ...


def names_for(scope: Scope, part: str) -> set[str]:
    """The variables a part may use."""
    names = {"stack", "params", "variables"}
    if scope == "component" or part == "message":
        names.add("component")
    return names


AnyBackend = Backend[Any]


def _cel_expr() -> AnyBackend:
    from stackpolicy.cel.cel_expr_backend import CelExprBackend, CelExprProgram

    made: Backend[CelExprProgram] = CelExprBackend()  # mypy checks it against the Protocol
    return made


def _celpy() -> AnyBackend:
    from stackpolicy.cel.celpy_backend import CelPythonBackend, CelPythonProgram

    made: Backend[CelPythonProgram] = CelPythonBackend()
    return made


BACKENDS: Mapping[str, Callable[[], AnyBackend]] = {"cel-expr": _cel_expr, "celpy": _celpy}
"""Every CEL backend, by the name `--engine` takes; imported only when chosen."""

ENGINES = ("auto", *BACKENDS)


class BackendUnavailable(UsageError):
    def __init__(self, message: str) -> None:
        super().__init__(message, Location.nowhere("command line"))


def backend(name: str = "auto") -> AnyBackend:
    """The named backend; `auto` is cel-expr where it is installed, else celpy."""
    if name == "auto":
        try:
            return backend("cel-expr")
        except BackendUnavailable:
            return backend("celpy")
    if name not in BACKENDS:
        raise BackendUnavailable(f"unknown CEL engine {name!r} (choose from {', '.join(BACKENDS)})")
    try:
        return BACKENDS[name]()
    except ImportError as exc:
        raise BackendUnavailable(f"CEL backend {name!r} is not installed ({exc})") from None


# Error wording shared by the backends, so findings and errors match exactly.


def undeclared(
    part: str, name: str, names: Collection[str], line: int, column: int
) -> CelCompileError:
    allowed = ", ".join(sorted(names))
    return CelCompileError(
        part, f"undeclared reference to {name!r} (expressions see {allowed})", line, column
    )


def missing_key(key: object) -> str:
    return f"no such key: {key!r} (test optional fields with has())"


class Errors:
    """Run-time error wording, the same on every engine (each backend maps
    its library's own messages onto these)."""

    OVERFLOW = "integer overflow"
    DIVIDE_BY_ZERO = "divide by zero"
    MODULUS_BY_ZERO = "modulus by zero"
    NO_OVERLOAD = "no matching overload"
    INT_RANGE = "int() of a double out of the int range"
    BAD_MAP_KEY = "map keys must be bool, int or string"
    DUPLICATE_KEY = "duplicate key in a map literal"

    @staticmethod
    def index_out_of_range(index: int, size: int) -> str:
        return f"index out of range: {index} (list size {size})"

    @staticmethod
    def invalid_conversion(target: str) -> str:
        return f"cannot convert string to {target}"


def map_key_order(key: object) -> tuple[int, object]:
    """The dialect's order of map keys: comprehensions visit them in it and
    results list them in it. Booleans, then numbers, then strings, each ascending."""
    if isinstance(key, bool):
        return (0, key)
    if isinstance(key, (int, float)):
        return (1, key)
    return (2, str(key))


def plain(value: Any) -> Any:
    """A result with its maps in the dialect's key order, so output does not
    depend on an engine's hashing."""
    if isinstance(value, dict):
        return {k: plain(value[k]) for k in sorted(value, key=map_key_order)}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def format_double(number: float) -> str:
    """string(double) as cel-cpp and cel-go write finite doubles: the shortest
    digits that read back as the same double, in exponent form below 1e-4 and
    from 1e6. Both engines call this one."""
    if math.isnan(number):  # cel-cpp writes nan or -nan, by the sign bit
        return "NaN"
    if math.isinf(number):  # as the spec's string formatting writes them
        return "Infinity" if number > 0 else "-Infinity"
    sign, digits, exponent = Decimal(repr(number)).as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits)).rstrip("0") or "0"
    exponent += len(digits) - 1  # of the first digit
    minus = "-" if sign else ""
    if text == "0":
        return minus + "0"
    if exponent < -4 or exponent >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent < 0:
        return f"{minus}0.{'0' * (-exponent - 1)}{text}"
    whole = text[: exponent + 1].ljust(exponent + 1, "0")
    fraction = text[exponent + 1 :]
    return minus + whole + ("." + fraction if fraction else "")
