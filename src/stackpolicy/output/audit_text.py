"""The audit as text for the terminal."""

from __future__ import annotations

from stackpolicy.audit import Audit, Counts, LayerAudit, profile_phrase
from stackpolicy.escape import line


def render(audit: Audit) -> str:
    name = f"{audit.stack_name} ({audit.org})" if audit.org else audit.stack_name or "the stack"
    lines = [
        f"{name}: the seven layers, from the data platform up",
        f"judged against the {profile_phrase(audit.profiles)}",
        "",
    ]
    for layer in reversed(audit.layers):  # top of the stack first, as it is drawn
        lines.append(f"  {layer.title:<28} {layer.status:<10} {_summary(layer, audit.discovery)}")
        lines += [f"  {'':<28} {'':<10} {said}" for said in _findings(layer)]
    duplicated = [(layer, d) for layer in audit.layers for d in layer.duplications]
    if duplicated:
        lines += ["", "Duplication:"]
        lines += [f"  {layer.title}: {d.describe()}" for layer, d in duplicated]
    gaps = [(layer, g) for layer in audit.layers for g in layer.gaps]
    if gaps:
        lines += ["", "Partly covered:"]
        lines += [f"  {layer.title}: {gap}" for layer, gap in gaps]
    if audit.waived:
        lines += ["", f"Waived: {len(audit.waived)} findings (see --format markdown or html)"]
    lines += ["", "Where to focus the next 90 days:"]
    if not audit.focus:
        lines.append("  nothing stands out: every layer is present and clean")
    for rank, layer in enumerate(audit.focus, start=1):
        lines.append(f"  {rank}. {layer.title} (risk {layer.risk}): {'; '.join(layer.reasons)}")
    # Each entry is one line we wrote; names, owners and departments in it
    # are input, so a newline or ESC among them is shown, not acted on.
    return "\n".join(line(text) for text in lines) + "\n"


def _summary(layer: LayerAudit, discovery: bool) -> str:
    count = len(layer.components)
    parts = [f"{count} component{'s' if count != 1 else ''}"]
    if layer.provenance(discovery):
        parts[0] += f": {layer.provenance(discovery)}"
    if layer.kinds:
        parts.append(", ".join(f"{n} {kind}" for kind, n in layer.kinds))
    return "; ".join(parts)


def _findings(layer: LayerAudit) -> list[str]:
    said = []
    if any(n for _, n in layer.of_policies):
        said.append(f"its policies found {_counts(layer.of_policies)}")
    if any(n for _, n in layer.on_components):
        said.append(f"on its components: {_counts(layer.on_components)}")
    return said


def _counts(counts: Counts) -> str:
    return ", ".join(f"{n} {severity}{'s' if n != 1 else ''}" for severity, n in counts if n)
