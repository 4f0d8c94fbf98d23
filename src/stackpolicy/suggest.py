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
    Names of one length whose characters differ only in digits (`t15-batch`,
    `t16-batch`) form a group that one bound rules in or out at once.

    The work is bounded (COMPARISONS_PER_NAME): once spent, a word gets no
    suggestion rather than one from part of the names. The same stack gets
    the same answers on every run."""

    def __init__(self, choices: Iterable[str]) -> None:
        # length -> digits-as-one signature -> [(name, its character counts)]
        self._groups: dict[int, dict[_Signature, list[tuple[str, dict[str, int]]]]] = {}
        count = 0
        for name in choices:
            groups = self._groups.setdefault(len(name), {})
            groups.setdefault(_signature(name), []).append((name, dict(Counter(name))))
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
        wanted = Counter(word).items()
        coarse = dict(_signature(word))
        found = []
        for length, groups in self._groups.items():
            total = len(word) + length
            if _ratio(min(len(word), length), total) < CUTOFF:  # real_quick_ratio
                continue
            self._budget -= len(groups)
            for signature, names in groups.items():
                # At least as many shared characters as quick_ratio counts.
                bound = sum(min(n, coarse.get(c, 0)) for c, n in signature)
                if _ratio(bound, total) < CUTOFF:
                    continue
                self._budget -= len(names)
                if self._budget < 0:
                    return None
                for name, counts in names:
                    shared = sum(min(n, counts.get(c, 0)) for c, n in wanted)
                    if _ratio(shared, total) >= CUTOFF:  # quick_ratio
                        found.append(name)
        return found


_Signature = tuple[tuple[str, int], ...]


def _signature(name: str) -> _Signature:
    """How many of each character `name` has, every digit counted as `0`."""
    return tuple(sorted(Counter("0" if c.isdigit() else c for c in name).items()))


def _ratio(matches: int, total: int) -> float:
    """difflib's ratio of `matches` characters between strings of `total` length."""
    return 2.0 * matches / total if total else 1.0


def _phrase(match: str | None) -> str:
    return f" (did you mean {match!r}?)" if match is not None else ""
