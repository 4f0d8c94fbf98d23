"""The stack as a Mermaid flowchart: the seven layers bottom to top, each
component a node coloured by its worst finding. GitHub renders it inline in
Markdown and pull-request comments."""

from __future__ import annotations

from stackpolicy.audit import Audit
from stackpolicy.escape import mermaid

MAX_EDGES = 60  # beyond this the references stop being readable
CLASSES = {
    "error": "fill:#f8d7da,stroke:#b03a2e,color:#000",
    "warning": "fill:#fff3cd,stroke:#9a7d0a,color:#000",
    "note": "fill:#d6eaf8,stroke:#2874a6,color:#000",
    "ok": "fill:#d4efdf,stroke:#1e8449,color:#000",
}


def diagram(audit: Audit) -> str:
    ids: dict[str, str] = {}
    lines = ["flowchart BT"]
    for index, layer in enumerate(audit.layers):
        lines.append(f'  subgraph L{index}["{mermaid(layer.title)}"]')
        lines.append("    direction LR")
        if not layer.components:
            lines.append(f'    L{index}_empty["(empty)"]')
        for component in layer.components:
            node = ids.setdefault(component.name, f"n{len(ids)}")
            lines.append(f'    {node}["{mermaid(component.name)}<br/>{mermaid(component.kind)}"]')
        lines.append("  end")
    # Stack the layers: data platform at the bottom, governance at the top.
    lines += [f"  L{i} ~~~ L{i + 1}" for i in range(len(audit.layers) - 1)]
    if len(audit.references) <= MAX_EDGES:
        lines += [f"  {ids[a]} --> {ids[b]}" for a, b in audit.references]
    for name, style in CLASSES.items():
        lines.append(f"  classDef {name} {style}")
    by_class: dict[str, list[str]] = {}
    for name, node in ids.items():
        by_class.setdefault(audit.worst.get(name, "ok"), []).append(node)
    lines += [f"  class {','.join(nodes)} {style}" for style, nodes in sorted(by_class.items())]
    return "\n".join(lines) + "\n"
