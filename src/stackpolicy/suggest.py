""" "Did you mean": the nearest valid name for a typo, for error messages."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from difflib import get_close_matches

CUTOFF = 0.75
"""How similar (difflib's ratio) a name must be to count as a typo of the word."""

COMPARISONS_PER_NAME = 32
"""What `Names` may spend, in names looked at, per name it holds (and at
least MIN_COMPARISONS): a stack's dangling references get suggestions until
then and none after, so a stack of many distinct unknown names costs time in
proportion to its size (~50 µs per component at most)."""

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
    difflib on every name for every word. difflib keeps a name only if three
    ratios reach the cutoff; the first two depend only on the lengths and on
    the characters each string has, so they are computed here from counts
    made once per name, and difflib sees only the names that pass them.

    The work is bounded (COMPARISONS_PER_NAME): once spent, a word gets no
    suggestion rather than one from part of the names. The same stack gets
    the same answers on every run."""

    def __init__(self, choices: Iterable[str]) -> None:
        self._by_length: dict[int, list[tuple[str, dict[str, int]]]] = {}
        for name in choices:
            self._by_length.setdefault(len(name), []).append((name, dict(Counter(name))))
        count = sum(map(len, self._by_length.values()))
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
        wanted = Counter(word).items()
        found = []
        for length, names in self._by_length.items():
            total = len(word) + length
            if _ratio(min(len(word), length), total) < CUTOFF:  # real_quick_ratio
                continue
            self._budget -= len(names)
            if self._budget < 0:
                return None
            for name, counts in names:
                shared = sum(min(n, counts.get(c, 0)) for c, n in wanted)
                if _ratio(shared, total) >= CUTOFF:  # quick_ratio
                    found.append(name)
        return found


def _ratio(matches: int, total: int) -> float:
    """difflib's ratio of `matches` characters between strings of `total` length."""
    return 2.0 * matches / total if total else 1.0


def _phrase(match: str | None) -> str:
    return f" (did you mean {match!r}?)" if match is not None else ""
