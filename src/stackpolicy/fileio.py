"""Writing output files so that a reader never sees half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from stackpolicy.errors import UsageError
from stackpolicy.location import Location
from stackpolicy.resources import display_path


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file beside `path`, then rename it into place.
    A file that cannot be written is a usage error, not a traceback."""
    try:
        _write(path, text)
    except OSError as exc:
        where = Location(display_path(path))
        raise UsageError(f"cannot write: {exc.strerror or exc}", where) from None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
