"""The audit as Markdown, to post as a pull-request comment: the layer
table, the Mermaid picture, duplication and where to focus."""

from __future__ import annotations

from stackpolicy.audit import Audit
from stackpolicy.output.mermaid import diagram


def render(audit: Audit) -> str:
    title = audit.stack_name or "stack"
    lines = [
        f"## stackpolicy audit: {title}",
        "",
        "| Layer | Status | Components | Kinds | Owners | Vendors | Errors | Warnings |",
        "|---|---|---:|---|---|---|---:|---:|",
    ]
    for layer in reversed(audit.layers):
        counts = dict(layer.findings)
        kinds = ", ".join(f"{kind} x{n}" for kind, n in layer.kinds) or "—"
        lines.append(
            f"| {layer.title} | {_status(layer.status)} | {len(layer.components)} | {kinds} "
            f"| {', '.join(layer.owners) or '—'} | {', '.join(layer.vendors) or '—'} "
            f"| {counts['error']} | {counts['warning']} |"
        )
    lines += ["", "```mermaid", diagram(audit).rstrip(), "```", ""]
    duplicated = [d.describe() for layer in audit.layers for d in layer.duplications]
    if duplicated:
        lines += ["**Duplication**", "", *(f"- {d}" for d in duplicated), ""]
    lines += ["**Where to focus the next 90 days**", ""]
    if not audit.focus:
        lines.append("Nothing stands out: every layer is present and clean.")
    for rank, layer in enumerate(audit.focus, start=1):
        lines.append(f"{rank}. **{layer.title}** (risk {layer.risk}): {'; '.join(layer.reasons)}")
    return "\n".join(lines) + "\n"


def _status(status: str) -> str:
    return {"present": "✅ present", "partial": "⚠️ partial", "empty": "❌ empty"}[status]
