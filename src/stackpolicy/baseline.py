"""Baselines: adopt stackpolicy on a large existing stack without fixing
everything first. A baseline records the current findings by policy id,
component, file and key (never by line, so edits do not invalidate it);
`check --baseline` then reports only findings that are not in it, and counts
the baselined findings that have gone away, so the baseline can shrink.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stackpolicy.errors import ConfigError
from stackpolicy.findings import Finding, Identity, identity
from stackpolicy.location import Location
from stackpolicy.resources import display_path
from stackpolicy.yamlload import read_text

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Outcome:
    new: tuple[Finding, ...]
    baselined: int
    gone: int
    """Baselined findings that no longer occur."""


def render(findings: Sequence[Finding]) -> str:
    entries = sorted(identity(f) for f in findings)
    document = {
        "version": FORMAT_VERSION,
        "findings": [
            {"policy": p, "component": c or None, "file": f, "key": k} for p, c, f, k in entries
        ],
    }
    return json.dumps(document, indent=2) + "\n"


Baseline = Counter[Identity]
"""How many times each finding identity was recorded."""


def read(path: Path) -> Baseline:
    display = display_path(path)
    where = Location(display)
    # The same bounded read as every other input: a regular file, at most
    # STACKPOLICY_MAX_FILE_MB, UTF-8.
    text = read_text(path, display, ConfigError)
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"not a stackpolicy baseline: {exc.msg}", _at(display, exc)) from None
    except RecursionError:
        raise ConfigError("not a stackpolicy baseline: JSON nested too deeply", where) from None
    try:
        if document.get("version") != FORMAT_VERSION:
            raise ConfigError(f"unsupported baseline version {document.get('version')!r}", where)
        return Counter(
            Identity(e["policy"], e["component"] or "", e["file"], e.get("key", ""))
            for e in document["findings"]
        )
    except (AttributeError, KeyError, TypeError) as exc:
        raise ConfigError(f"not a stackpolicy baseline: {exc}", where) from None


def _at(display: str, exc: json.JSONDecodeError) -> Location:
    """The line and column of a JSON error; the column counts code points, as
    every Location does (JSONDecodeError's colno already does)."""
    return Location(display, exc.lineno, exc.colno)


def apply(findings: Sequence[Finding], baseline: Baseline, keep: Sequence[Finding] = ()) -> Outcome:
    """`findings` not in the baseline; those in `keep` (the waiver rules')
    are never hidden by it."""
    remaining = Counter(baseline)
    new = []
    kept = {id(f) for f in keep}
    for finding in findings:
        k = identity(finding)
        if id(finding) not in kept and remaining[k] > 0:
            remaining[k] -= 1
        else:
            new.append(finding)
    return Outcome(tuple(new), len(findings) - len(new), sum(remaining.values()))
