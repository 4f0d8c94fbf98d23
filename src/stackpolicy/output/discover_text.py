"""`stackpolicy discover --format text`: one line per component, like a finding."""

from __future__ import annotations

from stackpolicy.discovery.scan import Discovery
from stackpolicy.escape import line
from stackpolicy.output.discover_common import summary


def render(discovery: Discovery) -> str:
    lines = []
    for components in (discovery.components, discovery.possible):
        for component in components:
            row = summary(component)
            lines.append(
                line(
                    f"{row['file']}:{row['line']}:{row['column']}: {row['kind']} {row['name']!r}"
                    f" [{row['source']} {row['address']}, {row['confidence']}]"
                )
            )
    count = len(discovery.components)
    lines.append(
        f"{count} component{'s' if count != 1 else ''} discovered, "
        f"{len(discovery.possible)} possible, in {len(discovery.files)} files"
    )
    return "\n".join(lines) + "\n"
