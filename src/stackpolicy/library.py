"""A policy library as people read it: its policies (built-in rules included),
grouped by layer, each with the test cases that show it at work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stackpolicy import cel
from stackpolicy.errors import StackpolicyError, UsageError
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.policyfile import load_policies
from stackpolicy.policytest import Case, load_case_files
from stackpolicy.rules import builtin_policies
from stackpolicy.vocabulary import LAYERS


@dataclass(frozen=True)
class Entry:
    policy: Policy
    cases: tuple[Case, ...]
    test_file: str | None


@dataclass(frozen=True)
class Library:
    entries: tuple[Entry, ...]
    errors: tuple[StackpolicyError, ...]

    def by_layer(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {layer: [] for layer in LAYERS}
        for entry in self.entries:
            grouped[entry.policy.layer].append(entry)
        return grouped

    def find(self, policy_id: str) -> Entry:
        for entry in self.entries:
            if entry.policy.id.lower() == policy_id.lower():
                return entry
        known = ", ".join(e.policy.id for e in self.entries)
        raise UsageError(
            f"no policy {policy_id!r} (known: {known})", Location.nowhere("command line")
        )


def load_library(paths: Sequence[Path]) -> Library:
    """The policies under `paths`, sorted by layer and id, with their cases."""
    loaded = load_policies(paths, cel.backend())
    files, errors = load_case_files(paths, loaded)
    policies = [*builtin_policies(), *(c.policy for c in loaded.policies)]
    order = {layer: i for i, layer in enumerate(LAYERS)}
    policies.sort(key=lambda p: (order[p.layer], p.id))
    entries = []
    for policy in policies:
        covering = [f for f in files if policy.id in f.policies]
        cases = tuple(case for f in covering for case in f.cases)
        entries.append(Entry(policy, cases, covering[0].path if covering else None))
    return Library(tuple(entries), (*loaded.errors, *errors))
