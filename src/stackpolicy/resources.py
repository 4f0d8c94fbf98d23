"""Where the bundled policy library and JSON Schemas are.

A built wheel carries them in ``stackpolicy/_data``; a source checkout (or an
editable install) keeps them at the repository root.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent
_ROOTS = (_PACKAGE / "_data", _PACKAGE.parent.parent)


def data_dir(name: str) -> Path:
    for root in _ROOTS:
        candidate = root / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"stackpolicy is installed without its {name}/ directory")


def bundled_policies() -> Path:
    return data_dir("policies")


SCHEMA_FILES = {
    "manifest": "stack-manifest.schema.json",
    "policy": "policy.schema.json",
    "policy-test": "policy-test.schema.json",
    "config": "config.schema.json",
    "waivers": "waivers.schema.json",
    "discovery-mapping": "discovery-mapping.schema.json",
    "profile": "profile.schema.json",
}


def schema_text(name: str) -> str:
    return (data_dir("schemas") / SCHEMA_FILES[name]).read_text(encoding="utf-8")


@cache
def schema(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


def display_path(path: Path) -> str:
    """A path for output: relative to the working directory (`../` where it
    must), bundled files by their place in the library; never absolute, so
    reports do not leak where a checkout lives. A symlink is shown as itself,
    not as where it points (a dangling one may point anywhere)."""
    resolved = _resolved_parent(path)
    cwd = _resolved_dir(os.getcwd())
    if resolved.is_relative_to(cwd):
        return resolved.relative_to(cwd).as_posix()
    library = _resolved_dir(str(bundled_policies()))
    if resolved.is_relative_to(library):
        return "stackpolicy:policies/" + resolved.relative_to(library).as_posix()
    try:
        return Path(os.path.relpath(resolved, cwd)).as_posix()
    except ValueError:  # another drive on Windows: there is no relative path
        return path.as_posix()


def _resolved_parent(path: Path) -> Path:
    """`path` made absolute with its directories resolved (so a symlinked
    working directory still compares equal) but its last part kept as it is."""
    absolute = path.absolute()
    if absolute.name in ("", ".", ".."):
        return absolute.resolve()
    return _resolved_dir(str(absolute.parent)) / absolute.name


@cache  # a library's files share a few directories: resolve each once, not per file
def _resolved_dir(absolute: str) -> Path:
    return Path(absolute).resolve()
