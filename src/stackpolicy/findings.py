"""Findings: one violation of one policy, at one place."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, get_args

from stackpolicy.location import Location
from stackpolicy.paths import relative_uri

if TYPE_CHECKING:
    from stackpolicy.waivers import Waiver

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = get_args(Severity)
"""Most severe first."""
SEVERITY_RANK: dict[Severity, int] = {s: len(SEVERITIES) - i for i, s in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    policy_id: str
    severity: Severity
    message: str
    location: Location
    component: str | None
    layer: str
    title: str
    key: str = ""
    """Tells apart several findings of one policy on one component (e.g. which
    reference dangles); part of the finding's identity, so it must not hold a
    line number."""
    waiver: Waiver | None = None
    """The waiver that accepts this finding, if one does."""
    related: tuple[Location, ...] = ()
    """Other places that declare the component (SARIF relatedLocations); not
    part of the finding's identity."""

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.policy_id, self.message)


class Identity(NamedTuple):
    """What makes a finding the same finding after edits: no line number, so a
    baseline entry or a code-scanning alert survives lines added above it."""

    policy: str
    component: str
    file: str
    """Relative to the repository root (or the SARIF base directory)."""
    key: str


def identity(finding: Finding, base_dir: Path | None = None) -> Identity:
    """The one identity that baselines record and SARIF fingerprints hash."""
    uri = relative_uri(finding.location, base_dir)
    return Identity(finding.policy_id, finding.component or "", uri, finding.key)


def at_least(severity: Severity, threshold: Severity) -> bool:
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold]
