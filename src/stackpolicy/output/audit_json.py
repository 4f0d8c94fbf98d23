"""The audit as JSON for tools."""

from __future__ import annotations

import json

from stackpolicy.audit import Audit


def render(audit: Audit) -> str:
    document = {
        "version": 1,
        "stack": {"name": audit.stack_name, "org": audit.org},
        "layers": [
            {
                "layer": a.layer,
                "title": a.title,
                "status": a.status,
                "components": [c.name for c in a.components],
                "kinds": dict(a.kinds),
                "owners": list(a.owners),
                "vendors": list(a.vendors),
                "environments": dict(a.environments),
                "gaps": list(a.gaps),
                "duplications": [
                    {
                        "kind": d.kind,
                        "components": list(d.components),
                        "departments": list(d.groups),
                    }
                    for d in a.duplications
                ],
                "findings": dict(a.findings),
                "risk": a.risk,
                "reasons": list(a.reasons),
            }
            for a in audit.layers
        ],
        "focus": [a.layer for a in audit.focus],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
