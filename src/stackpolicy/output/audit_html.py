"""The audit as one self-contained HTML page: the stack drawn as seven
horizontal layers (data platform at the bottom, governance at the top), each
component a box coloured by its worst finding, references drawn while they
stay readable; then the layer table and where to focus. No scripts, fonts or
styles are fetched: the page opens without a network."""

from __future__ import annotations

from stackpolicy.audit import Audit, LayerAudit
from stackpolicy.escape import html_text

WIDTH = 1180
LABEL_WIDTH = 250
BOX_W, BOX_H, GAP = 180, 40, 12
PER_ROW = (WIDTH - LABEL_WIDTH - GAP) // (BOX_W + GAP)
MAX_EDGES = 80
FILL = {"error": "#f8d7da", "warning": "#fff3cd", "note": "#d6eaf8", "ok": "#d4efdf"}
STROKE = {"error": "#b03a2e", "warning": "#9a7d0a", "note": "#2874a6", "ok": "#1e8449"}

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem; color: #222; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; } th, td { border: 1px solid #ccc; padding: .3rem .6rem; }
th { background: #f4f4f4; text-align: left; } td.n { text-align: right; }
.status-empty { color: #b03a2e; font-weight: bold; } .status-partial { color: #9a7d0a; }
svg text { font-family: inherit; }
"""


def render(audit: Audit) -> str:
    title = f"stackpolicy audit: {audit.stack_name or 'stack'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html_text(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>{html_text(title)}</h1>",
        picture(audit),
        "<h2>Layers</h2>",
        _table(audit),
        "<h2>Where to focus the next 90 days</h2>",
        _focus(audit),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def picture(audit: Audit) -> str:
    bands = []  # (layer, y, height, {component: (x, y)})
    y = 10
    for layer in reversed(audit.layers):  # governance first: top of the picture
        rows = max(1, -(-len(layer.components) // PER_ROW))
        height = rows * (BOX_H + GAP) + GAP
        boxes = {
            c.name: (
                LABEL_WIDTH + GAP + (i % PER_ROW) * (BOX_W + GAP),
                y + GAP + (i // PER_ROW) * (BOX_H + GAP),
            )
            for i, c in enumerate(layer.components)
        }
        bands.append((layer, y, height, boxes))
        y += height + 6
    where = {name: xy for _, _, _, boxes in bands for name, xy in boxes.items()}
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{y + 10}" '
        f'viewBox="0 0 {WIDTH} {y + 10}" role="img" aria-label="The stack by layer">'
    ]
    for layer, top, height, _ in bands:
        svg.append(_band(layer, top, height))
    if len(audit.references) <= MAX_EDGES:
        svg.append('<g class="references" stroke="#777" stroke-opacity="0.5" fill="none">')
        for a, b in audit.references:
            (x1, y1), (x2, y2) = where[a], where[b]
            svg.append(
                f'<line x1="{x1 + BOX_W / 2}" y1="{y1 + BOX_H / 2}" '
                f'x2="{x2 + BOX_W / 2}" y2="{y2 + BOX_H / 2}"/>'
            )
        svg.append("</g>")
    for layer, _, _, boxes in bands:
        for component in layer.components:
            x, top = boxes[component.name]
            svg.append(
                _box(component.name, component.kind, audit.worst.get(component.name, "ok"), x, top)
            )
    svg.append("</svg>")
    return "\n".join(svg)


def _band(layer: LayerAudit, top: int, height: int) -> str:
    shade = "#fafafa" if layer.components else "#fdecea"
    label = html_text(layer.title) + ("" if layer.components else " (empty)")
    return (
        f'<g class="layer" data-layer="{layer.layer}" data-status="{layer.status}">'
        f'<rect x="0" y="{top}" width="{WIDTH}" height="{height}" fill="{shade}" '
        f'stroke="#ddd"/><text x="12" y="{top + 26}" font-size="15" '
        f'font-weight="bold">{label}</text></g>'
    )


def _box(name: str, kind: str, severity: str, x: int, top: int) -> str:
    short = name if len(name) <= 24 else name[:23] + "…"
    return (
        f'<g class="component severity-{severity}" data-name="{html_text(name)}">'
        f"<title>{html_text(name)} ({html_text(kind)}): {severity}</title>"
        f'<rect x="{x}" y="{top}" width="{BOX_W}" height="{BOX_H}" rx="6" '
        f'fill="{FILL[severity]}" stroke="{STROKE[severity]}"/>'
        f'<text x="{x + 8}" y="{top + 17}" font-size="12">{html_text(short)}</text>'
        f'<text x="{x + 8}" y="{top + 32}" font-size="10" fill="#555">{html_text(kind)}</text>'
        "</g>"
    )


def _table(audit: Audit) -> str:
    rows = [
        "<table><tr><th>Layer</th><th>Status</th><th>Components</th><th>Owners</th>"
        "<th>Vendors</th><th>Errors</th><th>Warnings</th></tr>"
    ]
    for layer in reversed(audit.layers):
        counts = dict(layer.findings)
        rows.append(
            f"<tr><td>{html_text(layer.title)}</td>"
            f'<td class="status-{layer.status}">{layer.status}</td>'
            f'<td class="n">{len(layer.components)}</td>'
            f"<td>{html_text(', '.join(layer.owners))}</td>"
            f"<td>{html_text(', '.join(layer.vendors))}</td>"
            f'<td class="n">{counts["error"]}</td><td class="n">{counts["warning"]}</td></tr>'
        )
    rows.append("</table>")
    return "\n".join(rows)


def _focus(audit: Audit) -> str:
    if not audit.focus:
        return "<p>Nothing stands out: every layer is present and clean.</p>"
    items = "".join(
        f"<li><strong>{html_text(layer.title)}</strong> (risk {layer.risk}): "
        f"{html_text('; '.join(layer.reasons))}</li>"
        for layer in audit.focus
    )
    return f"<ol>{items}</ol>"
