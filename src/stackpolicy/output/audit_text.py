"""The audit as text for the terminal."""

from __future__ import annotations

from stackpolicy.audit import Audit, LayerAudit
from stackpolicy.escape import line


def render(audit: Audit) -> str:
    name = f"{audit.stack_name} ({audit.org})" if audit.org else audit.stack_name or "the stack"
    lines = [f"{name}: the seven layers, from the data platform up", ""]
    for layer in reversed(audit.layers):  # top of the stack first, as it is drawn
        lines.append(f"  {layer.title:<28} {layer.status:<8} {_summary(layer)}")
    duplicated = [(layer, d) for layer in audit.layers for d in layer.duplications]
    if duplicated:
        lines += ["", "Duplication:"]
        lines += [f"  {layer.title}: {d.describe()}" for layer, d in duplicated]
    gaps = [(layer, g) for layer in audit.layers for g in layer.gaps]
    if gaps:
        lines += ["", "Partly covered:"]
        lines += [f"  {layer.title}: {gap}" for layer, gap in gaps]
    lines += ["", "Where to focus the next 90 days:"]
    if not audit.focus:
        lines.append("  nothing stands out: every layer is present and clean")
    for rank, layer in enumerate(audit.focus, start=1):
        lines.append(f"  {rank}. {layer.title} (risk {layer.risk}): {'; '.join(layer.reasons)}")
    # Each entry is one line we wrote; names, owners and departments in it
    # are input, so a newline or ESC among them is shown, not acted on.
    return "\n".join(line(text) for text in lines) + "\n"


def _summary(layer: LayerAudit) -> str:
    count = len(layer.components)
    parts = [f"{count} component{'s' if count != 1 else ''}"]
    if layer.kinds:
        parts.append(", ".join(f"{n} {kind}" for kind, n in layer.kinds))
    findings = [f"{n} {sev}{'s' if n != 1 else ''}" for sev, n in layer.findings if n]
    if findings:
        parts.append("findings: " + ", ".join(findings))
    return "; ".join(parts)
