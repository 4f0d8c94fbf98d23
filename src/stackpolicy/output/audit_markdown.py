"""The audit as Markdown, to post as a pull-request comment: the layer
table, the layer map in Mermaid, duplication, gaps and where to focus, then
the components of each layer and the waivers in collapsible tables.

GitHub refuses a comment over 65,536 characters, so the whole document is
kept under BUDGET: the layer table and the map have a fixed size, lists in
cells are cut to a few items, and the component tables share what is left
(those with findings first), each ending with "N more" when cut.

Every name, owner, vendor, kind, department, message and file name is
input: each goes through `escape.markdown`, so it can add no line, table
cell, heading, link or HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from stackpolicy.audit import Audit, Counts, LayerAudit, profile_phrase
from stackpolicy.escape import markdown
from stackpolicy.findings import SEVERITY_RANK, Finding
from stackpolicy.output.audit_mermaid import diagram
from stackpolicy.stack import Component

BUDGET = 60_000
"""Characters for the whole document: GitHub's 65,536 less room for a bot's header."""
CELL_ITEMS = 5
"""Owners, vendors and kinds listed in a cell before "+N more"."""
STATUS = {
    "present": "✅ present",
    "partial": "⚠️ partial",
    "empty": "❌ empty",
    "not needed": "💤 not needed",
}
LEGEND = (
    "<sub>Each box is a layer, coloured by its worst finding (red error, yellow warning, "
    "blue note, green none; grey dashed: empty). An arrow counts the references from "
    "components of one layer to components of another.</sub>"
)


def render(audit: Audit) -> str:
    head = "\n".join(_head(audit)) + "\n"
    tails = _tails(audit)
    room = BUDGET - len(head) - sum(len(opening) + len(closing) for opening, _, closing in tails)
    shares = _shares([rows for _, rows, _ in tails], room)
    body = [
        opening + "".join(rows[:share]) + _more(len(rows) - share) + closing
        for (opening, rows, closing), share in zip(tails, shares, strict=True)
    ]
    return head + "".join(body)


def _head(audit: Audit) -> list[str]:
    lines = [
        f"## stackpolicy audit: {markdown(audit.stack_name or 'stack')}",
        "",
        f"Judged against the {markdown(profile_phrase(audit.profiles))}.",
        "",
        "| Layer | Status | Components | Kinds | Owners | Vendors "
        "| Findings of its policies | Findings on its components |",
        "|---|---|---:|---|---|---|---|---|",
    ]
    for layer in reversed(audit.layers):  # governance first, as the map stacks them
        kinds = _cell([f"{kind} x{n}" for kind, n in layer.kinds])
        components = _components(layer, audit.discovery)
        lines.append(
            f"| {markdown(layer.title)} | {STATUS[layer.status]} | {components} "
            f"| {kinds} | {_cell(layer.owners)} | {_cell(layer.vendors)} "
            f"| {_counts(layer.of_policies)} | {_counts(layer.on_components)} |"
        )
    lines += ["", "```mermaid", diagram(audit).rstrip(), "```", "", LEGEND, ""]
    duplicated = [markdown(d.describe()) for layer in audit.layers for d in layer.duplications]
    if duplicated:
        lines += ["**Duplication**", "", *(f"- {d}" for d in duplicated), ""]
    gaps = [f"{markdown(layer.title)}: {markdown(g)}" for layer in audit.layers for g in layer.gaps]
    if gaps:
        lines += ["**Partly covered**", "", *(f"- {g}" for g in gaps), ""]
    lines += ["**Where to focus the next 90 days**", ""]
    if not audit.focus:
        lines.append("Nothing stands out: every layer is present and clean.")
    for rank, layer in enumerate(audit.focus, start=1):
        reasons = markdown("; ".join(layer.reasons))
        lines.append(f"{rank}. **{markdown(layer.title)}** (risk {layer.risk}): {reasons}")
    lines.append("")
    return lines


Tail = tuple[str, list[str], str]
"""A collapsible section: its opening, its table rows, its closing."""

COMPONENT_HEADER = "| Component | Kind | Owner | Findings | Declared at |\n|---|---|---|---|---|\n"


def _tails(audit: Audit) -> list[Tail]:
    tails: list[Tail] = []
    for layer in reversed(audit.layers):
        if not layer.components:
            continue
        count = len(layer.components)
        opening = (
            f"\n<details><summary>{markdown(layer.title)}: {count} "
            f"component{'s' if count != 1 else ''}</summary>\n\n{COMPONENT_HEADER}"
        )
        rows = [
            _component_row(c, audit.findings.get(c.name, ())) for c in _worst_first(layer, audit)
        ]
        tails.append((opening, rows, "\n</details>\n"))
    if audit.stack_findings:
        opening = (
            f"\n<details><summary>Findings about the whole stack: {len(audit.stack_findings)}"
            "</summary>\n\n| Policy | Severity | Message | At |\n|---|---|---|---|\n"
        )
        tails.append((opening, [_finding_row(f) for f in audit.stack_findings], "\n</details>\n"))
    if audit.waived:
        opening = (
            f"\n<details><summary>Waived findings: {len(audit.waived)}</summary>\n\n"
            "| Policy | Component | Reason | Owner | Expires |\n|---|---|---|---|---|\n"
        )
        tails.append((opening, [_waived_row(f) for f in audit.waived], "\n</details>\n"))
    return tails


def _worst_first(layer: LayerAudit, audit: Audit) -> list[Component]:
    """Components with the most severe findings first, so a cut table keeps them."""

    def rank(component: Component) -> int:
        worst = audit.worst.get(component.name)
        return -SEVERITY_RANK[worst] if worst else 0

    return sorted(layer.components, key=rank)


def _component_row(component: Component, findings: Sequence[Finding]) -> str:
    owner = markdown(str(component.data.get("owner", ""))) or "—"
    found = ", ".join(f"{f.severity} {f.policy_id}" for f in findings[:3])
    if len(findings) > 3:
        found += f" +{len(findings) - 3} more"
    return (
        f"| {markdown(component.name)} | {markdown(component.kind)} | {owner} "
        f"| {markdown(found) or '—'} | {markdown(str(component.location))} |\n"
    )


def _finding_row(finding: Finding) -> str:
    return (
        f"| {markdown(finding.policy_id)} | {finding.severity} | {markdown(finding.message)} "
        f"| {markdown(str(finding.location))} |\n"
    )


def _waived_row(finding: Finding) -> str:
    waiver = finding.waiver
    reason, owner, expires = (
        (waiver.reason, waiver.owner, waiver.expires.isoformat()) if waiver else ("", "", "")
    )
    return (
        f"| {markdown(finding.policy_id)} | {markdown(finding.component or '*')} "
        f"| {markdown(reason)} | {markdown(owner)} | {expires} |\n"
    )


def _shares(tables: Sequence[Sequence[str]], room: int) -> list[int]:
    """How many rows of each table fit in `room` characters, sharing it evenly:
    the smallest tables are served first and leave what they do not use to
    the larger ones. Room for each "N more" line is kept aside."""
    shares = [0] * len(tables)
    order = sorted(range(len(tables)), key=lambda i: sum(map(len, tables[i])))
    left = room - len(_more(10**9)) * len(tables)
    for position, i in enumerate(order):
        allowance = left // (len(tables) - position)
        used = 0
        for row in tables[i]:
            if used + len(row) > allowance:
                break
            used += len(row)
            shares[i] += 1
        left -= used
    return shares


def _more(count: int) -> str:
    return f"\n… and {count} more (see `stackpolicy audit --format html`)\n" if count else ""


def _components(layer: LayerAudit, discovery: bool) -> str:
    count = str(len(layer.components))
    if layer.provenance(discovery):
        count += f": {layer.provenance(discovery)}"
    return count


def _cell(items: Sequence[str]) -> str:
    shown = ", ".join(items[:CELL_ITEMS])
    if len(items) > CELL_ITEMS:
        shown += f" +{len(items) - CELL_ITEMS} more"
    return markdown(shown) or "—"


def _counts(counts: Counts) -> str:
    said = [f"{n} {severity}{'s' if n != 1 else ''}" for severity, n in counts if n]
    return ", ".join(said) or "—"
