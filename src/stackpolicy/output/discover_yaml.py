"""`stackpolicy discover` (yaml, the default): a starter stackpolicy/v1 manifest.

Every component says in a comment where it was found, and links back with
`source:`, so `stackpolicy validate` loads it and drift can follow it. Input
text is hostile: every string is written double-quoted with escapes, and
comments are one line whatever a path or name holds.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any

from stackpolicy.discovery.scan import Discovery
from stackpolicy.escape import line
from stackpolicy.output.discover_common import MANIFEST_FIELDS, summary
from stackpolicy.stack import Declared

_SIMPLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def render(discovery: Discovery) -> str:
    lines = [
        "# Discovered by `stackpolicy discover`: review it, then keep what is yours.",
        "# Each component's `source:` links it to the code it was found in (drift follows it).",
        "apiVersion: stackpolicy/v1",
        "kind: Stack",
    ]
    if not discovery.components:
        lines.append("components: []")
    else:
        lines.append("components:")
    for component in discovery.components:
        lines += _component(component)
    if discovery.possible:
        lines.append("# Possible AI components, not added (check them, and add what is one):")
        for component in discovery.possible:
            row = summary(component)
            lines.append(
                line(
                    f"#   {row['kind']} {row['name']} at {row['file']}:{row['line']} "
                    f"({row['source']}:{row['address']})"
                )
            )
    return "\n".join(lines) + "\n"


def _component(component: Declared) -> list[str]:
    row = summary(component)
    lines = [
        line(
            f"  # {row['source']} {row['file']}:{row['line']}:{row['column']} "
            f"{row['address']} ({row['confidence']})"
        )
    ]
    first = True
    data = component.data
    for field in MANIFEST_FIELDS:
        if field not in data:
            continue
        lines += _field(field, data[field], "  - " if first else "    ")
        first = False
    lines += _field("source", f"{component.source}:{component.address}", "    ")
    return lines


def _field(name: str, value: Any, lead: str) -> list[str]:
    if isinstance(value, Mapping):
        if not value:
            return [f"{lead}{name}: {{}}"]
        return [f"{lead}{name}:"] + [
            f"      {quote(str(k))}: {flow(v)}" for k, v in sorted(value.items())
        ]
    if isinstance(value, (list, tuple)):
        if not value:
            return [f"{lead}{name}: []"]
        return [f"{lead}{name}:"] + [f"      - {flow(v)}" for v in value]
    return [f"{lead}{name}: {scalar(value)}"]


def flow(value: Any) -> str:
    """A value nested in a field (a BOM's `attributes.cyclonedx`) in YAML's
    flow style, on one line, every string quoted: it reads back as it was."""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{quote(str(k))}: {flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(flow(v) for v in value) + "]"
    return "null" if value is None else scalar(value)


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, int):
        return repr(value)
    return quote(str(value))


def _float(value: float) -> str:
    """A float YAML reads back as one: PyYAML takes `1e+20` (no point) for text."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    return text if "." in text else text.replace("e", ".0e", 1)


def quote(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly `text`: every
    character that is not printable, or that YAML takes as a line break
    (NEL, LS, PS), is an escape."""
    out = []
    for char in text:
        if char in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[char])
        elif _unsafe(char):
            code = ord(char)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _unsafe(char: str) -> bool:
    return char in "\x85\u2028\u2029\ufeff" or unicodedata.category(char) in (
        "Cc",
        "Cs",
        "Cf",
        "Zl",
        "Zp",
    )
