""" "Did you mean": the nearest valid name for a typo, for error messages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from difflib import get_close_matches

CUTOFF = 0.75
"""How similar (difflib's ratio) a name must be to count as a typo of the word."""

COMPARISONS_PER_NAME = 8
"""What `Names` may spend, in groups of names looked at, per name it holds
(and at least MIN_COMPARISONS): a stack's dangling references get
suggestions until then and none after, so a stack of many distinct unknown
names costs time in proportion to its size (~10 µs per component at most,
on top of ~6 µs to index each name). The generated 10,000-component stacks
use a third of it; a 100,000-component one with 210 distinct dangling names
runs out after about half of them."""

RATIO_COST = 16
"""A name handed to difflib costs as much as this many groups looked at (its
full ratio finds the matching blocks)."""

MIN_COMPARISONS = 10_000
"""The budget of a small stack (~15 ms): every typo in it gets its answer."""


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name closest to `word`, if one is close enough to be a typo."""
    matches = get_close_matches(word, list(choices), n=1, cutoff=CUTOFF)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)`, or nothing when no name is close."""
    return _phrase(nearest(word, choices))


class Names:
    """Many names to suggest from, for many words (a stack's components for
    each dangling reference): the same answers as `nearest`, without running
    difflib on every name for every word.

    difflib keeps a name only if three ratios reach the cutoff, and the first
    two depend only on the lengths and on how many of each character the two
    strings share. So names are grouped by length, then by their characters
    other than digits (`t15-batch`, `t16-batch`: one group, whatever the
    digits), then by their digits: every name of a digit group shares as
    many characters with a word as the others, so one count judges them all,
    and a bound judges a whole group first. difflib sees only the names that
    pass, and decides.

    The work is bounded (COMPARISONS_PER_NAME): once spent, a word gets no
    suggestion rather than one from part of the names. The same stack gets
    the same answers on every run."""

    def __init__(self, choices: Iterable[str]) -> None:
        self._index: dict[int, dict[_Shape, dict[_Counts, list[str]]]] = {}
        count = 0
        for name in choices:
            letters, digits = _split(name)
            shape = (letters, sum(n for _, n in digits))
            groups = self._index.setdefault(len(name), {})
            groups.setdefault(shape, {}).setdefault(digits, []).append(name)
            count += 1
        self._budget = max(COMPARISONS_PER_NAME * count, MIN_COMPARISONS)
        self._answers: dict[str, str | None] = {}

    def nearest(self, word: str) -> str | None:
        if word not in self._answers:
            candidates = self._candidates(word)
            self._answers[word] = None if candidates is None else nearest(word, candidates)
        return self._answers[word]

    def did_you_mean(self, word: str) -> str:
        return _phrase(self.nearest(word))

    def _candidates(self, word: str) -> list[str] | None:
        """The names that may be close enough, or None when the budget is spent."""
        if self._budget < 0:
            return None
        letters, digits = (dict(counts) for counts in _split(word))
        word_digits = sum(digits.values())
        found: list[str] = []
        for length, groups in self._index.items():
            total = len(word) + length
            if _ratio(min(len(word), length), total) < CUTOFF:  # real_quick_ratio
                continue
            self._budget -= len(groups)
            for (group_letters, group_digits), by_digits in groups.items():
                shared = _shared(group_letters, letters)
                if _ratio(shared + min(group_digits, word_digits), total) < CUTOFF:
                    continue  # not even with every digit in common
                self._budget -= len(by_digits)
                if self._budget < 0:
                    return None
                for name_digits, names in by_digits.items():
                    if _ratio(shared + _shared(name_digits, digits), total) >= CUTOFF:
                        found += names  # quick_ratio passes for each of them
                        self._budget -= RATIO_COST * len(names)
                if self._budget < 0:
                    return None
        return found


_Counts = tuple[tuple[str, int], ...]
_Shape = tuple[_Counts, int]  # the characters other than digits, and how many digits


def _split(name: str) -> tuple[_Counts, _Counts]:
    """How many of each character `name` has: other than digits, and digits."""
    counts = Counter(name)
    letters = tuple(sorted((c, n) for c, n in counts.items() if not c.isdigit()))
    digits = tuple(sorted((c, n) for c, n in counts.items() if c.isdigit()))
    return letters, digits


def _shared(counts: _Counts, other: dict[str, int]) -> int:
    """How many characters two strings have in common (as quick_ratio counts)."""
    return sum(min(n, other.get(c, 0)) for c, n in counts)


def _ratio(matches: int, total: int) -> float:
    """difflib's ratio of `matches` characters between strings of `total` length."""
    return 2.0 * matches / total if total else 1.0


def _phrase(match: str | None) -> str:
    return f" (did you mean {match!r}?)" if match is not None else ""
