"""`stackpolicy discover --format json`: every discovered component, possible ones too."""

from __future__ import annotations

import json

from stackpolicy.discovery.scan import Discovery
from stackpolicy.escape import json_document
from stackpolicy.output.discover_common import summary


def render(discovery: Discovery) -> str:
    document = {
        "components": [summary(c) for c in discovery.components],
        "possible": [summary(c) for c in discovery.possible],
        "files": list(discovery.files),
        "warnings": [
            {
                "file": w.location.path,
                "line": w.location.line,
                "column": w.location.column,
                "message": w.message,
            }
            for w in discovery.warnings
        ],
    }
    # Hidden characters from the scanned files as \u escapes, as in `check`.
    return json_document(json.dumps(document, indent=2, ensure_ascii=False)) + "\n"
