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
from stackpolicy.policy import Policy


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


def _rule(policy_id: str, title: str, severity: str, description: str) -> Policy:
    return Policy(
        id=policy_id,
        title=title,
        description=description,
        remediation="Renew the waiver with a new review and expiry date, fix the findings, "
        "or remove the waiver.",
        severity=severity,
        layer="governance",
        scope="builtin",
        tags=("waivers",),
        help_uri=f"https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#{policy_id.lower()}",
        location=Location("stackpolicy:builtin", in_file=False),
    )


EXPIRED = _rule(
    "SP-WVR-001",
    "Waivers must not be expired",
    "error",
    "An expired waiver no longer hides its findings; it is reported so that someone "
    "renews it after a new review, or removes it.",
)
STALE = _rule(
    "SP-WVR-002",
    "Waivers must match a finding",
    "warning",
    "A waiver that matches no finding is stale: the problem was fixed or the component "
    "renamed. Remove it, so that it cannot silently hide a future finding.",
)
EXPIRING = _rule(
    "SP-WVR-003",
    "Waivers about to expire",
    "note",
    "A waiver that expires soon needs a decision before it lapses and its findings "
    "start failing the build.",
)
WAIVER_RULES = (EXPIRED, STALE, EXPIRING)


@dataclass(frozen=True)
class Outcome:
    active: tuple[Finding, ...]
    waived: tuple[Finding, ...]
    problems: tuple[Finding, ...]
    """Findings about the waivers themselves: expired, stale, expiring."""


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


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[Waiver], today: date, warning_days: int
) -> Outcome:
    live = [w for w in waivers if w.expires > today]
    used: set[int] = set()
    active, waived = [], []
    for finding in findings:
        waiver = next((w for w in live if w.matches(finding)), None)
        if waiver is None:
            active.append(finding)
        else:
            used.add(id(waiver))
            waived.append(dataclasses.replace(finding, waiver=waiver))
    problems = []
    for waiver in waivers:
        what = f"waiver of {waiver.policy} for {waiver.component} (owner {waiver.owner})"
        if waiver.expires <= today:
            problems.append(_finding(EXPIRED, waiver, f"{what} expired on {waiver.expires}"))
        elif id(waiver) not in used:
            problems.append(_finding(STALE, waiver, f"{what} matches no finding: remove it"))
        elif (waiver.expires - today).days <= warning_days:
            days = (waiver.expires - today).days
            problems.append(_finding(EXPIRING, waiver, f"{what} expires in {days} days"))
    return Outcome(tuple(active), tuple(waived), tuple(problems))


def _finding(rule: Policy, waiver: Waiver, message: str) -> Finding:
    return Finding(
        policy_id=rule.id,
        severity=rule.severity,
        message=message,
        location=waiver.location,
        component=None,
        layer=rule.layer,
        title=rule.title,
        key=f"{waiver.policy}:{waiver.component}",
    )
