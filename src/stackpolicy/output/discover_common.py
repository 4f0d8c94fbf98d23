"""What every `stackpolicy discover` format shows about a component."""

from __future__ import annotations

from typing import Any

from stackpolicy.stack import Declared
from stackpolicy.vocabulary import KIND_LAYER, REFERENCE_FIELDS

# The manifest fields a discovered component may carry, in the order written
# (a BOM's components carry any of them: a custom kind's layer, a version).
MANIFEST_FIELDS = (
    "name",
    "kind",
    "layer",
    "description",
    "vendor",
    "version",
    "owner",
    "environment",
    "labels",
    "attributes",
    "pii",
    "llm",
    "managed",
    *REFERENCE_FIELDS,
)


def summary(component: Declared) -> dict[str, Any]:
    """One component as plain data: what it is, where it is, how sure discovery is."""
    at = component.locator.origin()
    data = component.data
    kind = str(data["kind"])
    row: dict[str, Any] = {
        "name": data["name"],
        "kind": kind,
        "layer": data.get("layer") or KIND_LAYER.get(kind),
        "source": component.source,
        "address": component.address,
        "confidence": component.confidence,
        "file": at.path,
        "line": at.line,
        "column": at.column,
    }
    for field in MANIFEST_FIELDS[2:]:
        if field in data:
            row[field] = data[field]
    related = getattr(component.locator, "related", ())
    row["related"] = [{"file": r.path, "line": r.line, "column": r.column} for r in related]
    return row
