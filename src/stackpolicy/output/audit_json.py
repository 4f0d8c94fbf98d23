"""The audit as JSON for tools."""

from __future__ import annotations

import json
from typing import Any

from stackpolicy.audit import Audit, LayerAudit
from stackpolicy.escape import line
from stackpolicy.findings import Finding


def render(audit: Audit) -> str:
    document = {
        "version": 2,
        "stack": {"name": audit.stack_name, "org": audit.org},
        "department_label": audit.department_label,
        "discovery": audit.discovery,
        "layers": [_layer(a, audit) for a in audit.layers],
        "links": [
            {"from": link.source, "to": link.target, "references": link.count}
            for link in audit.links
        ],
        "stack_findings": [_finding(f) for f in audit.stack_findings],
        "waived": [_waived(f) for f in audit.waived],
        "focus": [a.layer for a in audit.focus],
        "profiles": list(audit.profiles),
    }
    # ASCII only: a bidi override or zero-width character in a name stays an
    # escape (\u202e) and cannot reorder what a terminal shows; JSON decodes it back.
    return json.dumps(document, indent=2) + "\n"


def _layer(layer: LayerAudit, audit: Audit) -> dict[str, Any]:
    return {
        "layer": layer.layer,
        "title": layer.title,
        "status": layer.status,
        "components": [
            {
                "name": c.name,
                "kind": c.kind,
                "source": c.source,
                "location": str(c.location),
                "findings": [_finding(f) for f in audit.findings.get(c.name, ())],
            }
            for c in layer.components
        ],
        "declared": layer.declared,
        "confirmed": layer.confirmed if audit.discovery else None,
        "discovered": layer.discovered,
        "kinds": dict(layer.kinds),
        "owners": list(layer.owners),
        "vendors": list(layer.vendors),
        "environments": dict(layer.environments),
        "gaps": list(layer.gaps),
        "duplications": [
            {
                "kinds": list(d.kinds),
                "components": list(d.components),
                "departments": list(d.departments),
                "unlabelled": d.unlabelled,
                "allowed": d.allowed,
                "limit": d.limit,
            }
            for d in layer.duplications
        ],
        "findings": {
            "of_its_policies": dict(layer.of_policies),
            "on_its_components": dict(layer.on_components),
        },
        "worst": layer.worst,
        "risk": layer.risk,
        "reasons": list(layer.reasons),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    # JSON escapes control characters itself; `line` also shows bidi and
    # zero-width characters, so a message reads the same as in the terminal.
    return {
        "policy": finding.policy_id,
        "severity": finding.severity,
        "message": line(finding.message),
        "location": line(str(finding.location)),
    }


def _waived(finding: Finding) -> dict[str, Any]:
    waiver = finding.waiver
    return {
        **_finding(finding),
        "component": finding.component,
        "reason": waiver.reason if waiver else "",
        "owner": waiver.owner if waiver else "",
        "expires": waiver.expires.isoformat() if waiver else "",
    }
