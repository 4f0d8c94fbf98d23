""" "Did you mean": the nearest valid name for a typo, for error messages."""

from __future__ import annotations

from collections import Counter
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
    each dangling reference): the same answers as `nearest`, without running
    difflib on every name for every word. difflib keeps a name only if three
    ratios reach the cutoff; the first two depend only on the lengths and on
    the characters each string has, so they are computed here from counts
    made once per name, and difflib sees only the names that pass them."""

    def __init__(self, choices: Iterable[str]) -> None:
        self._by_length: dict[int, list[tuple[str, dict[str, int]]]] = {}
        for name in choices:
            self._by_length.setdefault(len(name), []).append((name, dict(Counter(name))))
        self._answers: dict[str, str | None] = {}

    def nearest(self, word: str) -> str | None:
        if word not in self._answers:
            self._answers[word] = nearest(word, self._candidates(word))
        return self._answers[word]

    def did_you_mean(self, word: str) -> str:
        return _phrase(self.nearest(word))

    def _candidates(self, word: str) -> list[str]:
        wanted = Counter(word).items()
        found = []
        for length, names in self._by_length.items():
            total = len(word) + length
            if _ratio(min(len(word), length), total) < CUTOFF:  # real_quick_ratio
                continue
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
