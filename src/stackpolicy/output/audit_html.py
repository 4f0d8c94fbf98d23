"""The audit as one self-contained HTML page (no scripts, fonts or styles
fetched: it opens without a network).

A small stack is drawn as seven horizontal layers (data platform at the
bottom, governance at the top), each component a box coloured by its worst
finding, every reference an arrow coloured by what it means (legend below
the picture). Hovering a box lists its findings; clicking it jumps to them.
Above SMALL components a picture would be unreadable, so each layer lists
its kinds with counts instead, and each kind opens (`<details>`) on its
components. Then the layer table, duplication, gaps, waivers, where to
focus and the findings by component.

The picture scales to the window (a viewBox, no fixed width). Every text
from the input goes through `escape.html_text`.
"""

from __future__ import annotations

from collections.abc import Sequence

from stackpolicy.audit import Audit, Counts, LayerAudit, Reference, profile_phrase
from stackpolicy.escape import html_text
from stackpolicy.findings import SEVERITY_RANK, Finding
from stackpolicy.stack import Component

SMALL = 200
"""Up to this many components the page draws every component and reference."""
LISTED = 200
"""Components listed under one kind (large stacks) or findings sections before "N more"."""
WIDTH = 1100  # of the viewBox; the picture is scaled to the window
LABEL_WIDTH = 190
BOX_W, BOX_H, GAP = 160, 40, 12
PER_ROW = (WIDTH - LABEL_WIDTH - GAP) // (BOX_W + GAP)
FILL = {"error": "#f8d7da", "warning": "#fff3cd", "note": "#d6eaf8", "ok": "#d4efdf"}
STROKE = {"error": "#b03a2e", "warning": "#9a7d0a", "note": "#2874a6", "ok": "#1e8449"}

# What a reference means, by the field that makes it: one colour each.
MEANINGS = (
    (
        "data",
        "#2874a6",
        ("reads_from", "writes_to", "datasets"),
        "data flows (reads, writes, datasets)",
    ),
    ("lineage", "#7d3c98", ("model", "base_model", "trained_by", "rollback_to"), "model lineage"),
    ("runs", "#ca6f1e", ("orchestrated_by", "runs_on"), "runs on, orchestrated by"),
    ("observes", "#1e8449", ("targets",), "monitors, guards, evaluates"),
    ("depends", "#566573", ("depends_on",), "depends on"),
)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1rem auto;
  max-width: 1200px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #ccc;
  padding: .3rem .5rem; vertical-align: top; overflow-wrap: break-word; }
td.status { white-space: nowrap; }
th { background: #f4f4f4; text-align: left; } td.n { text-align: right; }
.status-empty { color: #b03a2e; font-weight: bold; } .status-partial { color: #9a7d0a; }
.status-not-needed { color: #777; }
svg.stack { width: 100%; height: auto; display: block; } svg text { font-family: inherit; }
svg a:hover rect { stroke-width: 3; } .legend span { margin-right: 1.2rem; white-space: nowrap; }
.legend i { display: inline-block; width: 1.6rem; height: .2rem; vertical-align: middle;
  margin-right: .3rem; }
.sev { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: .85em; }
.sev-error { background: #f8d7da; } .sev-warning { background: #fff3cd; }
.sev-note { background: #d6eaf8; } .sev-ok { background: #d4efdf; }
.band { border: 1px solid #ddd; margin: .3rem 0; padding: .4rem .6rem; background: #fafafa; }
.band.empty { background: #fdecea; } .band h3 { font-size: 1rem; margin: 0 0 .3rem; }
.band details { display: inline-block; vertical-align: top; margin: .2rem .6rem .2rem 0; }
.band summary { cursor: pointer; } .band ul { margin: .2rem 0; padding-left: 1.2rem; }
.component:target { background: #ffe; outline: 2px solid #9a7d0a; }
"""


def render(audit: Audit) -> str:
    title = f"stackpolicy audit: {audit.stack_name or 'stack'}"
    count = sum(len(layer.components) for layer in audit.layers)
    ids = _ids(audit)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html_text(title)}</h1>",
        f"<p>Judged against the {html_text(profile_phrase(audit.profiles))}.</p>",
        picture(audit, ids) if count <= SMALL else _layer_map(audit) + _grouped(audit, ids),
        "<h2>Layers</h2>",
        _table(audit),
        _links(audit),
        _duplication(audit),
        _gaps(audit),
        "<h2>Where to focus the next 90 days</h2>",
        _focus(audit),
        _findings(audit, ids),
        _waived(audit),
        "</body></html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _ids(audit: Audit) -> dict[str, str]:
    """An HTML id per component: its position, so no name ever becomes markup."""
    names = (c.name for layer in audit.layers for c in layer.components)
    return {name: f"c{i}" for i, name in enumerate(names)}


def picture(audit: Audit, ids: dict[str, str]) -> str:
    bands = []  # (layer, y, height)
    where: dict[str, tuple[int, int]] = {}
    y = 10
    for layer in reversed(audit.layers):  # governance first: top of the picture
        rows = max(1, -(-len(layer.components) // PER_ROW))
        height = rows * (BOX_H + GAP) + GAP
        for i, c in enumerate(layer.components):
            where[c.name] = (
                LABEL_WIDTH + GAP + (i % PER_ROW) * (BOX_W + GAP),
                y + GAP + (i // PER_ROW) * (BOX_H + GAP),
            )
        bands.append((layer, y, height))
        y += height + 6
    svg = [
        f'<svg class="stack" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {y + 10}" '
        f'role="img" aria-label="The stack by layer">',
        _markers(),
    ]
    svg += [_band(layer, top, height) for layer, top, height in bands]
    svg.append('<g class="references" fill="none" stroke-width="1.5" stroke-opacity="0.7">')
    svg += [_arrow(r, where) for r in audit.references]
    svg.append("</g>")
    for layer, _, _ in bands:
        for component in layer.components:
            findings = audit.findings.get(component.name, ())
            svg.append(_box(component, findings, where[component.name], ids[component.name]))
    svg.append("</svg>")
    return "\n".join(svg) + "\n" + _legend()


def _markers() -> str:
    return (
        "<defs>"
        + "".join(
            f'<marker id="arrow-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
            f'fill="{colour}"/></marker>'
            for name, colour, _, _ in MEANINGS
        )
        + "</defs>"
    )


def _meaning(reference: Reference) -> tuple[str, str]:
    for name, colour, fields, _ in MEANINGS:
        if reference.fields[0] in fields:
            return name, colour
    return MEANINGS[-1][0], MEANINGS[-1][1]


def _arrow(reference: Reference, where: dict[str, tuple[int, int]]) -> str:
    (x1, y1), (x2, y2) = where[reference.source], where[reference.target]
    start: tuple[float, float]
    end: tuple[float, float]
    # Leave from the side facing the target and end on its edge, so the head shows.
    if y2 > y1:
        start, end = (x1 + BOX_W / 2, y1 + BOX_H), (x2 + BOX_W / 2, y2)
    elif y2 < y1:
        start, end = (x1 + BOX_W / 2, y1), (x2 + BOX_W / 2, y2 + BOX_H)
    else:
        right = x2 > x1
        start = (x1 + (BOX_W if right else 0), y1 + BOX_H / 2)
        end = (x2 + (0 if right else BOX_W), y2 + BOX_H / 2)
    name, colour = _meaning(reference)
    fields = ", ".join(reference.fields)
    return (
        f'<path class="reference {name}" d="M{start[0]},{start[1]} L{end[0]},{end[1]}" '
        f'stroke="{colour}" marker-end="url(#arrow-{name})"><title>'
        f"{html_text(reference.source)} → {html_text(reference.target)} ({html_text(fields)})"
        "</title></path>"
    )


def _legend() -> str:
    items = "".join(
        f'<span><i style="background:{colour}"></i>{html_text(text)}</span>'
        for _, colour, _, text in MEANINGS
    )
    boxes = "".join(
        f'<span><b class="sev sev-{severity}">{label}</b></span>'
        for severity, label in (
            ("error", "error"),
            ("warning", "warning"),
            ("note", "note"),
            ("ok", "no finding"),
        )
    )
    return (
        f'<p class="legend">Arrows point from a component to the one it names: {items}</p>'
        f'<p class="legend">Boxes by worst finding: {boxes} Hover a box for its findings; '
        "click it to jump to them.</p>"
    )


def _band(layer: LayerAudit, top: int, height: int) -> str:
    shade = "#fafafa" if layer.components else "#fdecea"
    words = [*layer.title.split(" "), *([] if layer.components else ["(empty)"])]
    lines: list[str] = []
    for word in words:  # wrap to the label column
        if lines and len(lines[-1]) + len(word) < 17:
            lines[-1] += " " + word
        else:
            lines.append(word)
    label = "".join(
        f'<tspan x="12" dy="{0 if i == 0 else 18}">{html_text(text)}</tspan>'
        for i, text in enumerate(lines)
    )
    return (
        f'<g class="layer" data-layer="{layer.layer}" data-status="{layer.status}">'
        f'<rect x="0" y="{top}" width="{WIDTH}" height="{height}" fill="{shade}" '
        f'stroke="#ddd"/><text y="{top + 26}" font-size="15" '
        f'font-weight="bold">{label}</text></g>'
    )


def _box(
    component: Component, findings: Sequence[Finding], at: tuple[int, int], anchor: str
) -> str:
    x, top = at
    severity = _worst(findings)
    name = component.name
    short = name if len(name) <= 22 else name[:21] + "…"
    tip = [f"{name} ({component.kind}) at {component.location}"]
    tip += [f"{f.severity} {f.policy_id}: {f.message} ({f.location})" for f in findings]
    tooltip = "\n".join(html_text(t) for t in tip)  # one escaped line per finding
    box = (
        f'<g class="component severity-{severity}" '
        f'data-name="{html_text(name)}"><title>{tooltip}</title>'
        f'<rect x="{x}" y="{top}" width="{BOX_W}" height="{BOX_H}" rx="6" '
        f'fill="{FILL[severity]}" stroke="{STROKE[severity]}"/>'
        f'<text x="{x + 8}" y="{top + 17}" font-size="12">{html_text(short)}</text>'
        f'<text x="{x + 8}" y="{top + 32}" font-size="10" fill="#555">'
        f"{html_text(component.kind)}</text></g>"
    )
    return f'<a href="#{anchor}">{box}</a>' if findings else box


def _worst(findings: Sequence[Finding]) -> str:
    if not findings:
        return "ok"
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)


MAP_BAR_W, MAP_BAR_H, MAP_STEP = 380, 40, 58
UP, DOWN = "#ca6f1e", "#2874a6"  # references to a higher layer, to a lower one


def _layer_map(audit: Audit) -> str:
    """A large stack's picture: the seven layers as bars, bottom to top, each
    coloured by its worst finding, and one arc per pair of layers and
    direction, its arrowhead on the named layer and its label the count."""
    top = {
        layer.layer: 10 + (len(audit.layers) - 1 - i) * MAP_STEP
        for i, layer in enumerate(audit.layers)
    }
    height = 10 + len(audit.layers) * MAP_STEP
    svg = [
        f'<svg class="stack layer-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{height}" role="img" aria-label="References between layers"><defs>',
        *(
            f'<marker id="map-{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" '
            f'fill="{colour}"/></marker>'
            for name, colour in (("up", UP), ("down", DOWN))
        ),
        "</defs>",
    ]
    for layer in audit.layers:
        severity = layer.worst or ("ok" if layer.components else "empty")
        fill, stroke = FILL.get(severity, "#eeeeee"), STROKE.get(severity, "#888888")
        y = top[layer.layer]
        svg.append(
            f'<g class="layer-bar" data-layer="{layer.layer}"><rect x="0" y="{y}" '
            f'width="{MAP_BAR_W}" height="{MAP_BAR_H}" rx="4" fill="{fill}" stroke="{stroke}"/>'
            f'<text x="10" y="{y + 17}" font-size="14" font-weight="bold">'
            f'{html_text(layer.title)}</text><text x="10" y="{y + 33}" font-size="12">'
            f"{len(layer.components)} components, {layer.status}, "
            f"{f'worst: {layer.worst}' if layer.worst else 'no findings'}</text></g>"
        )
    order = {layer.layer: i for i, layer in enumerate(audit.layers)}
    for link in audit.links:
        up = order[link.target] > order[link.source]
        y1 = top[link.source] + MAP_BAR_H / 2 + (-6 if up else 6)
        y2 = top[link.target] + MAP_BAR_H / 2 + (6 if up else -6)
        reach = 30 + 70 * abs(order[link.target] - order[link.source]) + (18 if up else 0)
        x = MAP_BAR_W + reach
        name, colour = ("up", UP) if up else ("down", DOWN)
        svg.append(
            f'<path class="link" d="M{MAP_BAR_W},{y1} C{x},{y1} {x},{y2} {MAP_BAR_W},{y2}" '
            f'fill="none" stroke="{colour}" stroke-width="1.5" marker-end="url(#map-{name})"/>'
            f'<text x="{MAP_BAR_W + reach * 0.75 + 4}" y="{(y1 + y2) / 2 + 4}" font-size="12" '
            f'fill="{colour}">{link.count}</text>'
        )
    svg.append("</svg>")
    legend = (
        f'<p class="legend">Arcs count the references from one layer\'s components to '
        f'another\'s: <span><i style="background:{DOWN}"></i>to a lower layer</span>'
        f'<span><i style="background:{UP}"></i>to a higher layer</span></p>'
    )
    return "\n".join(svg) + "\n" + legend + "\n"


def _grouped(audit: Audit, ids: dict[str, str]) -> str:
    """Each layer's kinds with counts, each opening on its components: a big
    stack in a page that stays short until the reader asks for more."""
    bands = ['<div class="stack-groups">']
    for layer in reversed(audit.layers):
        empty = " empty" if not layer.components else ""
        worst = (
            f' <span class="sev sev-{layer.worst}">worst: {layer.worst}</span>'
            if layer.worst
            else ' <span class="sev sev-ok">no findings</span>'
        )
        bands.append(
            f'<div class="band layer{empty}" data-layer="{layer.layer}" '
            f'data-status="{layer.status}"><h3>{html_text(layer.title)}: '
            f"{len(layer.components)} components, {layer.status}{worst}</h3>"
        )
        for kind, count in layer.kinds:
            members = [c for c in layer.components if c.kind == kind]
            bands.append(_kind_group(kind, count, members, audit, ids))
        bands.append("</div>")
    bands.append("</div>")
    legend = " ".join(f'<span class="sev sev-{s}">{s}</span>' for s in ("error", "warning", "note"))
    return (
        "\n".join(bands) + f'\n<p class="legend">{len(audit.worst)} components have findings, '
        f"coloured by the worst ({legend}). Open a kind to list its components, most severe "
        "first; click one for its findings. References between layers are counted below.</p>"
    )


def _kind_group(
    kind: str, count: int, members: list[Component], audit: Audit, ids: dict[str, str]
) -> str:
    severities = [_worst(audit.findings.get(c.name, ())) for c in members]
    flagged = sum(1 for s in severities if s != "ok")
    worst = min(severities, key=_rank)
    ranked = sorted(zip(members, severities, strict=True), key=lambda p: _rank(p[1]))
    items = "".join(_member(c, s, ids[c.name]) for c, s in ranked[:LISTED])
    more = f"<li>… and {count - LISTED} more</li>" if count > LISTED else ""
    badge = f' <span class="sev sev-{worst}">{flagged} with findings</span>' if flagged else ""
    return (
        f"<details><summary>{html_text(kind)}: {count}{badge}</summary>"
        f"<ul>{items}{more}</ul></details>"
    )


RANK: dict[str, int] = {"ok": 0, **{str(k): v for k, v in SEVERITY_RANK.items()}}


def _member(component: Component, severity: str, anchor: str) -> str:
    name = f'<span class="sev sev-{severity}">{html_text(component.name)}</span>'
    return f'<li><a href="#{anchor}">{name}</a></li>' if severity != "ok" else f"<li>{name}</li>"


def _rank(severity: str) -> int:
    """Most severe first."""
    return -RANK[severity]


def _table(audit: Audit) -> str:
    rows = [
        "<table><tr><th>Layer</th><th>Status</th><th>Components</th><th>Owners</th>"
        "<th>Vendors</th><th>Findings of its policies</th><th>Findings on its components</th></tr>"
    ]
    for layer in reversed(audit.layers):
        count = str(len(layer.components))
        if layer.provenance(audit.discovery):
            count += f"<br><small>{layer.provenance(audit.discovery)}</small>"
        rows.append(
            f"<tr><td>{html_text(layer.title)}</td>"
            f'<td class="status status-{layer.status.replace(" ", "-")}">{layer.status}</td>'
            f'<td class="n">{count}</td>'
            f"<td>{_few(layer.owners)}</td><td>{_few(layer.vendors)}</td>"
            f"<td>{_counts(layer.of_policies)}</td><td>{_counts(layer.on_components)}</td></tr>"
        )
    rows.append("</table>")
    return "\n".join(rows)


def _few(items: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(items[:limit])
    more = f" +{len(items) - limit} more" if len(items) > limit else ""
    return html_text(shown + more)


def _counts(counts: Counts) -> str:
    said = [
        f'<span class="sev sev-{severity}">{n} {severity}{"s" if n != 1 else ""}</span>'
        for severity, n in counts
        if n
    ]
    return " ".join(said) or "—"


def _links(audit: Audit) -> str:
    if not audit.links:
        return ""
    titles = {layer.layer: layer.title for layer in audit.layers}
    rows = "".join(
        f"<tr><td>{html_text(titles[link.source])}</td><td>→</td>"
        f'<td>{html_text(titles[link.target])}</td><td class="n">{link.count}</td></tr>'
        for link in audit.links
    )
    return (
        "<h2>References between layers</h2><table><tr><th>From</th><th></th><th>To</th>"
        f"<th>References</th></tr>{rows}</table>"
    )


def _duplication(audit: Audit) -> str:
    items = [
        f"<li><strong>{html_text(layer.title)}</strong>: {html_text(d.describe())}</li>"
        for layer in audit.layers
        for d in layer.duplications
    ]
    said = "".join(items) or "<li>None: no capability runs more copies than allowed.</li>"
    label = html_text(audit.department_label)
    return (
        f"<h2>Duplication</h2><p>Departments are the <code>labels.{label}</code> of "
        f"each copy (owners are not departments).</p><ul>{said}</ul>"
    )


def _gaps(audit: Audit) -> str:
    items = "".join(
        f"<li><strong>{html_text(layer.title)}</strong>: {html_text(gap)}</li>"
        for layer in audit.layers
        for gap in layer.gaps
    )
    return f"<h2>Partly covered</h2><ul>{items}</ul>" if items else ""


def _focus(audit: Audit) -> str:
    if not audit.focus:
        return "<p>Nothing stands out: every layer is present and clean.</p>"
    items = "".join(
        f"<li><strong>{html_text(layer.title)}</strong> (risk {layer.risk}): "
        f"{html_text('; '.join(layer.reasons))}</li>"
        for layer in audit.focus
    )
    return f"<ol>{items}</ol>"


def _findings(audit: Audit, ids: dict[str, str]) -> str:
    """Every component with findings, most severe first, as the target of a click."""
    components = [c for layer in audit.layers for c in layer.components if c.name in audit.findings]
    components.sort(key=lambda c: _rank(_worst(audit.findings[c.name])))
    parts = ["<h2>Findings by component</h2>"]
    if not components and not audit.stack_findings:
        parts.append("<p>None.</p>")
    if audit.stack_findings:
        parts.append("<h3>The whole stack</h3>" + _finding_table(audit.stack_findings))
    for component in components[:LISTED]:
        parts.append(
            f'<div class="component" id="{ids[component.name]}"><h3>'
            f"{html_text(component.name)} <small>({html_text(component.kind)}, "
            f"{html_text(str(component.location))})</small></h3>"
            f"{_finding_table(audit.findings[component.name])}</div>"
        )
    if len(components) > LISTED:
        parts.append(
            f"<p>… and {len(components) - LISTED} more components with findings "
            "(<code>stackpolicy audit --format json</code> lists them all).</p>"
        )
    return "\n".join(parts)


def _finding_table(findings: Sequence[Finding]) -> str:
    rows = "".join(
        f'<tr><td>{html_text(f.policy_id)}</td><td><span class="sev sev-{f.severity}">'
        f"{f.severity}</span></td><td>{html_text(f.message)}</td>"
        f"<td>{html_text(str(f.location))}</td></tr>"
        for f in findings
    )
    return (
        f"<table><tr><th>Policy</th><th>Severity</th><th>Message</th><th>At</th></tr>{rows}</table>"
    )


def _waived(audit: Audit) -> str:
    if not audit.waived:
        return "<h2>Waivers</h2><p>No finding is waived.</p>"
    rows = "".join(
        f"<tr><td>{html_text(f.policy_id)}</td><td>{html_text(f.component or '*')}</td>"
        f"<td>{html_text(f.waiver.reason if f.waiver else '')}</td>"
        f"<td>{html_text(f.waiver.owner if f.waiver else '')}</td>"
        f"<td>{f.waiver.expires.isoformat() if f.waiver else ''}</td>"
        f"<td>{html_text(str(f.location))}</td></tr>"
        for f in audit.waived[:LISTED]
    )
    more = f"<p>… and {len(audit.waived) - LISTED} more.</p>" if len(audit.waived) > LISTED else ""
    return (
        f"<h2>Waivers</h2><p>{len(audit.waived)} findings are accepted by a waiver.</p>"
        "<table><tr><th>Policy</th><th>Component</th><th>Reason</th><th>Owner</th>"
        f"<th>Expires</th><th>At</th></tr>{rows}</table>{more}"
    )
