"""Paths as GitHub wants them: relative to the repository root, forward slashes."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath


def repository_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` that holds `.git`, else `start`."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return here


def relative_uri(display: str, base_dir: Path | None) -> str:
    """`display` (a path relative to the working directory, as findings carry
    it) made relative to `base_dir`; a non-file location is kept as it is."""
    if display.startswith("stackpolicy:") or display.startswith("<"):
        return display
    base = (base_dir or repository_root()).resolve()
    absolute = Path.cwd() / display
    return PurePosixPath(Path(os.path.relpath(absolute, base)).as_posix()).as_posix()
