"""suggest: "did you mean", and the indexed Names giving the same answers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import examples
from stackpolicy.suggest import Names, did_you_mean, nearest

NAMES = ["feature-store", "feature-stores", "vector-db", "orders-warehouse", "a", ""]


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("feature-stor", "feature-store"),
        ("vectr-db", "vector-db"),
        ("orders-warehous", "orders-warehouse"),
        ("gone-900", None),
        ("", ""),
    ],
)
def test_nearest(word: str, expected: str | None) -> None:
    assert nearest(word, NAMES) == expected
    assert Names(NAMES).nearest(word) == expected


def test_phrase() -> None:
    assert did_you_mean("vectr-db", NAMES) == " (did you mean 'vector-db'?)"
    assert Names(NAMES).did_you_mean("vectr-db") == " (did you mean 'vector-db'?)"
    assert Names(NAMES).did_you_mean("gone-900") == ""


# Short words over a small alphabet with digits (which the groups merge), so
# that close and tied names are common.
_WORDS = st.text(alphabet="ab12-", max_size=8)


@settings(max_examples=examples(1000))
@given(st.lists(_WORDS, max_size=30), st.lists(_WORDS, min_size=1, max_size=5))
def test_names_answers_as_nearest(choices: list[str], words: list[str]) -> None:
    names = Names(choices)
    for word in words * 2:  # the second round is answered from the cache
        assert names.nearest(word) == nearest(word, choices)


def test_the_work_is_bounded_and_the_same_every_run() -> None:
    choices = [f"component-{i:04}" for i in range(1000)]  # all of one shape
    words = [f"component-{i % 1000:04}x{i}" for i in range(2000)]  # each one typo away
    runs = []
    for names in (Names(choices), Names(choices)):
        found = [names.nearest(word) for word in words]
        answered = found.index(None)
        assert 0 < answered < len(words)  # the budget binds, and not at once
        assert found[:answered] == [nearest(w, choices) for w in words[:answered]]
        assert found[answered:] == [None] * (len(words) - answered)  # spent, for good
        assert names.nearest(words[0]) == found[0]  # an answer, once given, stays
        runs.append(found)
    assert runs[0] == runs[1]
