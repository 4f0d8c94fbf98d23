"""Findings: one violation of one policy, at one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stackpolicy.location import Location

if TYPE_CHECKING:
    from stackpolicy.waivers import Waiver

SEVERITY_RANK = {"error": 3, "warning": 2, "note": 1}


@dataclass(frozen=True)
class Finding:
    policy_id: str
    severity: str
    message: str
    location: Location
    component: str | None
    layer: str
    title: str
    key: str = ""
    """Tells apart several findings of one policy on one component (e.g. which
    reference dangles); part of the SARIF fingerprint, so it must not hold a
    line number."""
    waiver: Waiver | None = None
    """The waiver that accepts this finding, if one does."""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.policy_id, self.message)


def at_least(severity: str, threshold: str) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
