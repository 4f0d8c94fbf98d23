""" "Did you mean": the nearest valid name for a typo, for error messages."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

CUTOFF = 0.75
"""How similar (difflib's ratio) a name must be to count as a typo of the word."""


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name closest to `word`, if one is close enough to be a typo."""
    matches = get_close_matches(word, list(choices), n=1, cutoff=CUTOFF)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)`, or nothing when no name is close."""
    return _phrase(nearest(word, choices))


class Names:
    """Many names to suggest from, for many words (a stack's components for
    each dangling reference): the same answers as `nearest`, without visiting
    every name for every word. difflib's first test, `real_quick_ratio`,
    depends only on the two lengths, so names are grouped by length and a
    length that test rejects is never visited."""

    def __init__(self, choices: Iterable[str]) -> None:
        self._by_length: dict[int, list[str]] = {}
        for name in choices:
            self._by_length.setdefault(len(name), []).append(name)
        self._answers: dict[str, str | None] = {}

    def nearest(self, word: str) -> str | None:
        if word not in self._answers:
            candidates = [
                name
                for length, names in self._by_length.items()
                if _length_ratio(len(word), length) >= CUTOFF
                for name in names
            ]
            self._answers[word] = nearest(word, candidates)
        return self._answers[word]

    def did_you_mean(self, word: str) -> str:
        return _phrase(self.nearest(word))


def _length_ratio(a: int, b: int) -> float:
    """difflib's `real_quick_ratio` for strings of these lengths: the most
    their ratio can be."""
    return 2.0 * min(a, b) / (a + b) if a + b else 1.0


def _phrase(match: str | None) -> str:
    return f" (did you mean {match!r}?)" if match is not None else ""
