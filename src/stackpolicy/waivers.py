"""Waivers: a reviewed, owned, expiring exception for a finding.

A waiver names a policy id (or glob), a component name (or glob; `*` also
covers findings about the whole stack), a reason, an owner and an expiry
date. While it holds, the findings it matches are waived: not violations,
but still listed (JSON marks them, text counts them). An expired waiver no
longer applies and is itself a finding at its own line; so is a waiver that
matches nothing (stale), and one about to expire is a warning. The CLI, the
pre-commit hook and CI all apply the same logic, since they all run `check`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase

from stackpolicy.config import Config
from stackpolicy.errors import ConfigError
from stackpolicy.findings import Finding
from stackpolicy.location import Location


@dataclass(frozen=True)
class Waiver:
    policy: str
    component: str
    reason: str
    owner: str
    expires: date
    location: Location

    def matches(self, finding: Finding) -> bool:
        component = finding.component
        if component is None:
            return self.component == "*" and fnmatchcase(finding.policy_id, self.policy)
        return fnmatchcase(finding.policy_id, self.policy) and fnmatchcase(
            component, self.component
        )


@dataclass(frozen=True)
class Outcome:
    active: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    used: frozenset[int]
    """Indexes of the waivers that accepted a finding."""


def load_waivers(config: Config) -> list[Waiver]:
    waivers = []
    for document, key in config.waiver_sources:
        items = document.data
        for part in key:
            items = items[part]
        for index, raw in enumerate(items):
            where = document.locate((*key, index, "expires"))
            try:
                expires = date.fromisoformat(raw["expires"])
            except ValueError:
                raise ConfigError(f"expires {raw['expires']!r} is not a date", where) from None
            waivers.append(
                Waiver(
                    policy=raw["policy"],
                    component=raw["component"],
                    reason=raw["reason"],
                    owner=raw["owner"],
                    expires=expires,
                    location=document.locate((*key, index, "policy")),
                )
            )
    return waivers


def apply_waivers(findings: Sequence[Finding], waivers: Sequence[Waiver], today: date) -> Outcome:
    """Mark the findings that a live waiver accepts. Whether the waivers
    themselves are expired, stale or expiring is for the waiver rules
    (stackpolicy.rules.waivers)."""
    live = [(i, w) for i, w in enumerate(waivers) if w.expires > today]
    used: set[int] = set()
    active, waived = [], []
    for finding in findings:
        index, waiver = next(((i, w) for i, w in live if w.matches(finding)), (None, None))
        if waiver is None or index is None:
            active.append(finding)
        else:
            used.add(index)
            waived.append(dataclasses.replace(finding, waiver=waiver))
    return Outcome(tuple(active), tuple(waived), frozenset(used))
