"""A policy library as people read it: its policies (built-in rules included),
grouped by layer, each with the test cases that show it at work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackpolicy import cel
from stackpolicy.config import RuleTuning
from stackpolicy.errors import StackpolicyError, UsageError
from stackpolicy.kindcheck import misspelt_kinds
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.policyfile import LoadedPolicies, load_policies
from stackpolicy.policytest import Case, CaseFile, load_case_files
from stackpolicy.rules import DRIFT, STACK_RULES, WAIVERS
from stackpolicy.rules.base import Rule
from stackpolicy.sources import unique_files
from stackpolicy.suggest import did_you_mean
from stackpolicy.tuning import check_patterns, tune
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
    cases: bool | str = True,
) -> Library:
    """The policies under `paths`, as the profiles and the configuration's
    `rules:` tune them (the same library `check` runs: disabled rules left
    out, severities and params as configured), sorted by layer and id, with
    their cases: every policy's; none with `cases=False` (the test files are
    not read, so a broken one is no error); or, when `cases` is a policy id
    (in any case), only that policy's."""
    loaded = load_policies(unique_files(paths), cel.backend())
    rules: list[Rule[Any]] = [*STACK_RULES, *DRIFT, *WAIVERS, *loaded.policies]
    files, errors = _case_files(paths, loaded, [r.policy for r in rules], cases)
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


def _case_files(
    paths: Sequence[Path], loaded: LoadedPolicies, policies: list[Policy], cases: bool | str
) -> tuple[list[CaseFile], list[StackpolicyError]]:
    if cases is False:
        return [], []
    if cases is True:
        return load_case_files(paths, loaded)
    wanted = next((p for p in policies if p.id.lower() == cases.lower()), None)
    if wanted is None:  # no such policy: there are no cases to show
        return [], []
    return load_case_files(paths, loaded, only=wanted)
