"""The waiver rules: a waiver must not be expired (SP-WVR-001), must match a
finding (SP-WVR-002), and is flagged when it expires soon (SP-WVR-003).
Their findings point at the waiver, in the configuration."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from stackpolicy.findings import Finding, Severity
from stackpolicy.policy import BUILTIN, Policy
from stackpolicy.rules.base import Checked, WaiverContext, finding
from stackpolicy.waivers import Waiver


def _rule(policy_id: str, title: str, severity: Severity, description: str) -> Policy:
    return Policy(
        id=policy_id,
        title=title,
        description=description,
        remediation="Renew the waiver with a new review and expiry date, fix the findings, "
        "or remove the waiver.",
        severity=severity,
        layer="governance",
        scope="waiver",
        tags=("waivers",),
        help_uri=f"https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#{policy_id.lower()}",
        location=BUILTIN,
        builtin=True,
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


Problem = Callable[[Waiver, int, WaiverContext], "str | None"]


@dataclass(frozen=True)
class WaiverRule:
    policy: Policy
    problem: Problem
    """What is wrong with one waiver (its index given), or None."""

    def with_policy(self, policy: Policy) -> WaiverRule:
        return dataclasses.replace(self, policy=policy)

    def check(self, context: WaiverContext) -> Checked:
        return Checked(tuple(self._findings(context)))

    def _findings(self, context: WaiverContext) -> Iterator[Finding]:
        for index, waiver in enumerate(context.waivers):
            message = self.problem(waiver, index, context)
            if message is not None:
                what = f"waiver of {waiver.policy} for {waiver.component} (owner {waiver.owner})"
                key = f"{waiver.policy}:{waiver.component}"
                yield finding(self.policy, f"{what} {message}", waiver.location, key=key)


def _expired(waiver: Waiver, index: int, context: WaiverContext) -> str | None:
    return f"expired on {waiver.expires}" if waiver.expires <= context.today else None


def _stale(waiver: Waiver, index: int, context: WaiverContext) -> str | None:
    live = waiver.expires > context.today
    return "matches no finding: remove it" if live and index not in context.used else None


def _expiring(waiver: Waiver, index: int, context: WaiverContext) -> str | None:
    days = (waiver.expires - context.today).days
    if waiver.expires <= context.today or index not in context.used or days > context.warning_days:
        return None
    return f"expires in {days} days"


WAIVER_RULES = (
    WaiverRule(EXPIRED, _expired),
    WaiverRule(STALE, _stale),
    WaiverRule(EXPIRING, _expiring),
)
