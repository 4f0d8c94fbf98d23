"""`matches` means the same on every engine (issue 12): RE2 on cel-expr,
Python's `re` on celpy, both held to the subset they share
(stackpolicy.cel.regex). A constant pattern outside it is a load error at
its place; one computed at run time is an evaluation error, worded the same."""

from __future__ import annotations

import pytest

from stackpolicy import cel
from stackpolicy.cel import BackendUnavailable, CelCompileError, CelEvalError, PolicySource


def _engines() -> dict[str, cel.AnyBackend]:
    engines = {}
    for name in cel.BACKENDS:
        try:
            engines[name] = cel.backend(name)
        except BackendUnavailable:
            continue
    return engines


ENGINES = _engines()


def run(backend: cel.AnyBackend, subject: str, pattern: str) -> object:
    """matches() of `subject` against `pattern` given as a param, so the
    pattern is a run-time value."""
    program = backend.compile(
        PolicySource("K", "stack", (), {"assert": "params.s.matches(params.p)"})
    )
    binding = backend.bind({"components": []}, [], {"K": {"s": subject, "p": pattern}})
    try:
        return binding.evaluate(program, "assert", None)
    except CelEvalError as exc:
        return exc.message


@pytest.mark.parametrize(
    ("subject", "pattern", "expected"),
    [
        ("hubba", "ubb", True),
        ("ab\n", "b$", False),  # RE2's $ is the very end; Python's would match
        ("ab", "b$", True),
        ("é1", r"^\w\d$", False),  # RE2's \w and \d are ASCII
        ("a1", r"^\w\d$", True),
        ("a\u00a0b", r"a\sb", False),
        ("a\tb", r"a\sb", True),
        ("a\vb", r"a\sb", False),  # RE2's \s has no \v
        ("é", r"\bé", False),
        ("Ab", "(?i)^ab$", True),
        ("A\nB", "(?s)a.b", False),
        ("a\nb", "(?s)a.b", True),
        ("x-y.z", r"^[\w.-]+$", True),
        ("]", "[]a]", True),
        ("aaa", "^a{2,3}$", True),
        ("abc", "(?P<first>a)bc", True),
        ("a", "(?=a)", "invalid regular expression '(?=a)': lookahead"),
        ("a", "(?<!b)a", "invalid regular expression '(?<!b)a': lookbehind"),
        (
            "aa",
            r"(a)\1",
            "invalid regular expression '(a)\\\\1': the escape \\1 "
            "(it differs between RE2 and Python)",
        ),
        ("a", "a*+", "invalid regular expression 'a*+': possessive quantifiers"),
        ("a", "(?>a)", "invalid regular expression '(?>a)': atomic groups"),
        (
            "a",
            r"\pL",
            "invalid regular expression '\\\\pL': the escape \\p "
            "(it differs between RE2 and Python)",
        ),
        (
            "a",
            "[[:alpha:]]",
            "invalid regular expression '[[:alpha:]]': '[' inside a "
            "character class (write \\[; no [:alpha:] classes)",
        ),
        (
            "a",
            "(?m)^a",
            "invalid regular expression '(?m)^a': flags other than i and s, or an unknown group",
        ),
        ("a", "a{,2}", "invalid regular expression 'a{,2}': '{,n}' (write {0,n})"),
        ("a", "a{1001}", "invalid regular expression 'a{1001}': a repetition count above 1000"),
        ("a", "a(", "invalid regular expression 'a(': it does not compile"),
        ("a", "a**", "invalid regular expression 'a**': it does not compile"),
    ],
)
def test_matches_is_the_same_on_every_engine(subject: str, pattern: str, expected: object) -> None:
    outcomes = {name: run(backend, subject, pattern) for name, backend in ENGINES.items()}
    assert outcomes == dict.fromkeys(ENGINES, expected)


@pytest.mark.parametrize("name", list(ENGINES))
def test_a_constant_pattern_outside_the_subset_is_a_load_error_at_its_place(name: str) -> None:
    source = PolicySource(
        "K", "stack", (), {"assert": "'ab'.matches('b') ||\n 'x'.matches('(?<=a)b')"}
    )
    with pytest.raises(CelCompileError) as error:
        ENGINES[name].compile(source)
    assert (error.value.line, error.value.column) == (2, 14)
    assert error.value.message == "invalid regular expression '(?<=a)b': lookbehind"
