"""A policy library as people read it: its policies (built-in rules included),
grouped by layer, each with the test cases that show it at work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackpolicy import cel
from stackpolicy.config import RuleTuning
from stackpolicy.errors import StackpolicyError, UsageError
from stackpolicy.kindcheck import misspelt_kinds
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.policyfile import load_policies
from stackpolicy.rules import DRIFT, STACK_RULES, WAIVERS
from stackpolicy.rules.base import Rule
from stackpolicy.sources import unique_files
from stackpolicy.suggest import did_you_mean
from stackpolicy.tuning import check_patterns, tune
from stackpolicy.vocabulary import LAYERS

if TYPE_CHECKING:  # policytest brings the engine and the stack readers: only for cases
    from stackpolicy.policytest import Case, CaseFile


@dataclass(frozen=True)
class Entry:
    policy: Policy
    cases: tuple[Case, ...]
    test_file: str | None


@dataclass(frozen=True)
class Library:
    entries: tuple[Entry, ...]
    errors: tuple[StackpolicyError, ...]
    disabled: tuple[str, ...] = ()
    """Ids the configuration's `rules:` turn off: not in `entries`."""

    def by_layer(self) -> dict[str, list[Entry]]:
        grouped: dict[str, list[Entry]] = {layer: [] for layer in LAYERS}
        for entry in self.entries:
            grouped[entry.policy.layer].append(entry)
        return grouped

    def find(self, policy_id: str) -> Entry:
        for entry in self.entries:
            if entry.policy.id.lower() == policy_id.lower():
                return entry
        where = Location.nowhere("command line")
        off = next((i for i in self.disabled if i.lower() == policy_id.lower()), None)
        if off is not None:
            raise UsageError(
                f"{off} is disabled by the configuration's rules: (--no-config shows it)", where
            )
        ids = [e.policy.id for e in self.entries]
        hint = did_you_mean(policy_id, ids) or f" (known: {', '.join(ids)})"
        raise UsageError(f"no policy {policy_id!r}{hint}", where)


def load_library(
    paths: Sequence[Path],
    tunings: Sequence[RuleTuning] = (),
    profiles: Sequence[Sequence[RuleTuning]] = (),
    *,
    cases: bool = True,
) -> Library:
    """The policies under `paths`, as the profiles and the configuration's
    `rules:` tune them (the same library `check` runs: disabled rules left
    out, severities and params as configured), sorted by layer and id, with
    their cases (without `cases`, the test files are not read: no entry has
    cases, and a broken test file is no error)."""
    loaded = load_policies(unique_files(paths), cel.backend())
    files: list[CaseFile] = []
    errors: list[StackpolicyError] = []
    if cases:
        from stackpolicy.policytest import load_case_files

        files, errors = load_case_files(paths, loaded)
    rules: list[Rule[Any]] = [*STACK_RULES, *DRIFT, *WAIVERS, *loaded.policies]
    check_patterns(tunings, [r.policy.id for r in rules])
    policies = [r.policy for r in tune(rules, tunings, profiles)]
    kept = {p.id for p in policies}
    disabled = tuple(r.policy.id for r in rules if r.policy.id not in kept)
    order = {layer: i for i, layer in enumerate(LAYERS)}
    policies.sort(key=lambda p: (order[p.layer], p.id))
    entries = []
    for policy in policies:
        covering = [f for f in files if policy.id in f.policies]
        shown = tuple(case for f in covering for case in f.cases)
        entries.append(Entry(policy, shown, covering[0].path if covering else None))
    kinds = misspelt_kinds(c.policy for c in loaded.policies)
    return Library(tuple(entries), (*loaded.errors, *errors, *kinds), disabled)
