"""The stack as a Mermaid flowchart for pull requests: one node per layer,
stacked from the data platform (bottom) to governance (top), each saying its
status, its component count and its worst finding, coloured by that finding;
references between components are counted per pair of layers and drawn once
per direction. It stays the same size whatever the size of the stack, so
GitHub draws it legibly for 30 components or 50,000.
"""

from __future__ import annotations

from stackpolicy.audit import Audit, LayerAudit
from stackpolicy.escape import mermaid

# Node fill by the layer's worst finding; an empty layer is grey and dashed.
CLASSES = {
    "error": "fill:#f8d7da,stroke:#b03a2e,stroke-width:2px,color:#000",
    "warning": "fill:#fff3cd,stroke:#9a7d0a,stroke-width:2px,color:#000",
    "note": "fill:#d6eaf8,stroke:#2874a6,stroke-width:2px,color:#000",
    "clean": "fill:#d4efdf,stroke:#1e8449,stroke-width:2px,color:#000",
    "empty": "fill:#eeeeee,stroke:#888888,stroke-width:2px,stroke-dasharray:5 5,color:#444",
}
STATUS = {
    "present": "present",
    "partial": "partial ⚠",
    "empty": "empty ✖",
    "not needed": "not needed",
}


def diagram(audit: Audit) -> str:
    lines = ["flowchart BT"]
    lines += [f'  L{i}["{_label(layer, audit.discovery)}"]' for i, layer in enumerate(audit.layers)]
    # The invisible chain comes first: Mermaid's layout keeps the first path it
    # walks and reverses later edges that point back, so references drawn
    # downwards cannot reorder the layers.
    lines += [f"  L{i} ~~~ L{i + 1}" for i in range(len(audit.layers) - 1)]
    index = {layer.layer: i for i, layer in enumerate(audit.layers)}
    for link in audit.links:
        plural = "s" if link.count != 1 else ""
        lines.append(
            f'  L{index[link.source]} -->|"{link.count} reference{plural}"| L{index[link.target]}'
        )
    lines += [f"  classDef {name} {style}" for name, style in CLASSES.items()]
    for i, layer in enumerate(audit.layers):
        lines.append(f"  class L{i} {_class(layer)}")
    return "\n".join(lines) + "\n"


def _label(layer: LayerAudit, discovery: bool) -> str:
    count = len(layer.components)
    parts = [
        f"<b>{mermaid(layer.title)}</b>",
        f"{STATUS[layer.status]} · {count} component{'s' if count != 1 else ''}",
    ]
    if layer.provenance(discovery):
        parts.append(mermaid(layer.provenance(discovery)))
    parts.append(f"worst: {layer.worst}" if layer.worst else "no findings")
    return "<br/>".join(parts)


def _class(layer: LayerAudit) -> str:
    if layer.status in ("empty", "not needed") and layer.worst is None:
        return "empty"
    return layer.worst or "clean"
