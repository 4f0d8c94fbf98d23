"""A trace as JSON for tools: the hops of each direction as a flat list
(depth and parent say the tree), then the breaks."""

from __future__ import annotations

import json
from typing import Any

from stackpolicy.escape import line
from stackpolicy.findings import Finding
from stackpolicy.trace import Break, Hop, Trace


def render(trace: Trace) -> str:
    document = {
        "version": 1,
        "component": trace.subject,
        "upstream": [_hop(hop) for hop in trace.upstream],
        "downstream": [_hop(hop) for hop in trace.downstream],
        "truncated": {"upstream": trace.truncated[0], "downstream": trace.truncated[1]},
        "breaks": [_break(item) for item in trace.breaks],
    }
    # ASCII only: a bidi override or zero-width character in a name stays an
    # escape (\u202e) and cannot reorder what a terminal shows; JSON decodes it back.
    return json.dumps(document, indent=2) + "\n"


def _hop(hop: Hop) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": hop.name,
        "depth": hop.depth,
        "via": hop.via or None,
        "parent": hop.parent,
        "in_stack": hop.component is not None,
        "repeated": hop.repeated,
    }
    component = hop.component
    if component is None or hop.repeated:
        return entry
    data = component.data
    return entry | {
        "kind": component.kind,
        "layer": component.layer,
        "owner": data.get("owner"),
        "environment": data.get("environment"),
        "version": None if data.get("version") is None else str(data["version"]),
        "location": line(str(component.location)),
        "attached": [
            {"name": a.name, "kind": a.kind, "location": line(str(a.location))}
            for a in hop.attached
        ],
        "run_by": list(hop.orchestrators),
        "findings": [_finding(f) for f in hop.findings],
    }


def _break(item: Break) -> dict[str, Any]:
    return {
        "at": item.at,
        "field": item.field,
        "reason": item.reason,
        "findings": [_finding(f) for f in item.findings],
        "candidates": list(item.candidates),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "policy": finding.policy_id,
        "severity": finding.severity,
        "message": line(finding.message),
        "location": line(str(finding.location)),
    }
