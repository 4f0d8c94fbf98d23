"""The audit as Markdown, to post as a pull-request comment: the layer
table, the Mermaid picture, duplication and where to focus.

Every name, owner, vendor, kind and department is input: each goes through
`escape.markdown`, so it can add no line, table cell, heading, link or HTML.
"""

from __future__ import annotations

from collections.abc import Iterable

from stackpolicy.audit import Audit
from stackpolicy.escape import markdown
from stackpolicy.output.mermaid import diagram


def render(audit: Audit) -> str:
    title = markdown(audit.stack_name or "stack")
    lines = [
        f"## stackpolicy audit: {title}",
        "",
        "| Layer | Status | Components | Kinds | Owners | Vendors | Errors | Warnings |",
        "|---|---|---:|---|---|---|---:|---:|",
    ]
    for layer in reversed(audit.layers):
        counts = dict(layer.findings)
        kinds = _joined(f"{kind} x{n}" for kind, n in layer.kinds)
        lines.append(
            f"| {markdown(layer.title)} | {_status(layer.status)} | {len(layer.components)} "
            f"| {kinds} | {_joined(layer.owners)} | {_joined(layer.vendors)} "
            f"| {counts['error']} | {counts['warning']} |"
        )
    lines += ["", "```mermaid", diagram(audit).rstrip(), "```", ""]
    duplicated = [markdown(d.describe()) for layer in audit.layers for d in layer.duplications]
    if duplicated:
        lines += ["**Duplication**", "", *(f"- {d}" for d in duplicated), ""]
    lines += ["**Where to focus the next 90 days**", ""]
    if not audit.focus:
        lines.append("Nothing stands out: every layer is present and clean.")
    for rank, layer in enumerate(audit.focus, start=1):
        reasons = markdown("; ".join(layer.reasons))
        lines.append(f"{rank}. **{markdown(layer.title)}** (risk {layer.risk}): {reasons}")
    return "\n".join(lines) + "\n"


def _joined(items: Iterable[str]) -> str:
    return markdown(", ".join(items)) or "—"


def _status(status: str) -> str:
    return {"present": "✅ present", "partial": "⚠️ partial", "empty": "❌ empty"}[status]
