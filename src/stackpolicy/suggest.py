""" "Did you mean": the nearest valid name for a typo, for error messages."""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches


def nearest(word: str, choices: Iterable[str]) -> str | None:
    """The valid name closest to `word`, if one is close enough to be a typo."""
    matches = get_close_matches(word, list(choices), n=1, cutoff=0.75)
    return matches[0] if matches else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)`, or nothing when no name is close."""
    match = nearest(word, choices)
    return f" (did you mean {match!r}?)" if match is not None else ""
