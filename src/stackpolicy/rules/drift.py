"""SP-DRF-001..003: the declared stack against the one discovery found.

They run only when discovery ran (`--discover`, or `discover:` in the
configuration); what they compare is stackpolicy.discovery.drift's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from stackpolicy.discovery import drift as compare
from stackpolicy.discovery.drift import Described, Drift, Found, link_key
from stackpolicy.policy import BUILTIN, Policy
from stackpolicy.rules.base import Checked, StackContext, finding
from stackpolicy.stack import Component, Stack

_DOCS = "https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#"


def _policy(number: int, title: str, description: str, remediation: str) -> Policy:
    return Policy(
        id=f"SP-DRF-00{number}",
        title=title,
        description=description,
        remediation=remediation,
        severity="warning",
        layer="governance",
        scope="component",
        tags=("drift", "discovery", "inventory"),
        help_uri=f"{_DOCS}sp-drf-00{number}",
        location=BUILTIN,
        builtin=True,
    )


UNDECLARED = _policy(
    1,
    "Every component the infrastructure runs is declared",
    "Discovery found this component in infrastructure code, and no component of the "
    "stack manifest links to it with `source:`. The stack people think they have is "
    "not the one that runs: the field guide's four embedding stores across three "
    "departments were found this way. Policies still judge it, at its place in the code.",
    "Declare it in the manifest with `source: <source>:<address>` (the message says "
    "which), or remove it from the infrastructure code.",
)
GONE = _policy(
    2,
    "Declared infrastructure exists",
    "A manifest component says where it runs with `source:`, and discovery found "
    "nothing there: it was renamed, moved or removed, or the path it lives in was not "
    "given to --discover.",
    "Fix `source:` to the address discovery reports (`stackpolicy discover`), remove the "
    "component, or add its path to --discover.",
)
MISMATCH = _policy(
    3,
    "The manifest agrees with the infrastructure code",
    "A manifest component and the infrastructure code it links to with `source:` say "
    "different things about its kind, vendor, environment or owner. Policies judge what "
    "the manifest says; the infrastructure is what runs.",
    "Make the manifest say what the code does, or change the code.",
)

Compare = Callable[[Sequence[Described], Sequence[Found]], list[Drift]]


@dataclass(frozen=True)
class DriftRule:
    policy: Policy
    compare: Compare

    def with_policy(self, policy: Policy) -> DriftRule:
        return dataclasses.replace(self, policy=policy)

    def check(self, context: StackContext) -> Checked:
        stack = context.stack
        if stack.discovered is None:
            return Checked(())
        declared = [c for c in stack.components if c.source == "manifest"]
        components = _by_place(stack)
        found = []
        for drift in self.compare(declared, stack.discovered):
            about = _about(drift, components)
            found.append(finding(self.policy, drift.message, drift.location, about, _key(drift)))
        return Checked(tuple(found))


def _by_place(stack: Stack) -> dict[tuple[str, str], Component]:
    return {(c.source, c.address): c for c in stack.components if c.address}


def _about(drift: Drift, components: dict[tuple[str, str], Component]) -> Component | None:
    if drift.kind == "undeclared" and drift.discovered is not None:
        return components.get((drift.discovered.source, drift.discovered.address))
    declared = drift.declared
    return declared if isinstance(declared, Component) else None


def _key(drift: Drift) -> str:
    if drift.kind == "undeclared" and drift.discovered is not None:
        return link_key(drift.discovered)
    if drift.kind == "mismatch":
        return drift.field or ""
    return str(drift.declared.data.get("source", "")) if drift.declared else ""


DRIFT_RULES = (
    DriftRule(UNDECLARED, compare.undeclared),
    DriftRule(GONE, compare.gone),
    DriftRule(MISMATCH, compare.mismatch),
)
