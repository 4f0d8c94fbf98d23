"""What every rule is: a `Policy` that describes it, and `check`, which
judges what the rule looks at and gives findings.

Two kinds of subject: the stack (CEL policies and the reference rules) and
the waivers once the stack's findings are known (the waiver rules). Tuning
(enabled, severity, params) replaces a rule's `Policy` before anything runs,
so a rule's findings carry its tuned severity from the start.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from stackpolicy.errors import StackpolicyError
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.policy import Policy

if TYPE_CHECKING:
    from stackpolicy.cel import Binding
    from stackpolicy.stack import Component, Stack
    from stackpolicy.waivers import Waiver


@dataclass(frozen=True)
class StackContext:
    """What stack rules look at."""

    stack: Stack
    binding: Binding[Any] | None
    """The stack as CEL sees it, bound once for every CEL policy of the run."""
    time_budget: float
    """Seconds one rule may spend on the stack."""


@dataclass(frozen=True)
class WaiverContext:
    """What waiver rules look at, once the waivers have been applied."""

    waivers: Sequence[Waiver]
    used: frozenset[int]
    """Indexes into `waivers` of those that accepted a finding."""
    today: date
    warning_days: int


ContextT_contra = TypeVar("ContextT_contra", contravariant=True)
RuleT = TypeVar("RuleT", bound="Rule[Any]")


@dataclass(frozen=True)
class Checked:
    findings: tuple[Finding, ...] = ()
    errors: tuple[StackpolicyError, ...] = ()
    evaluations: int = 0
    """How many CEL evaluations it took (for --stats and the benchmark)."""


class Rule(Protocol[ContextT_contra]):
    @property
    def policy(self) -> Policy: ...

    def with_policy(self: RuleT, policy: Policy) -> RuleT:
        """The same rule described (tuned) by `policy`."""
        ...

    def check(self, context: ContextT_contra) -> Checked: ...


def finding(
    policy: Policy,
    message: str,
    where: Location,
    component: Component | None = None,
    key: str = "",
) -> Finding:
    """A finding of `policy`, about `component` or (None) about no component."""
    return Finding(
        policy_id=policy.id,
        severity=policy.severity,
        message=message,
        location=where,
        component=component.name if component else None,
        layer=component.layer if component else policy.layer,
        title=policy.title,
        key=key,
        related=component.related if component else (),
    )
