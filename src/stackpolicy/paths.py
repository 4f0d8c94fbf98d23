"""Paths as reports show them: relative to the working directory for people,
relative to the repository root with forward slashes for GitHub and baselines."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from stackpolicy.location import BUNDLED_PREFIX, Location


def repository_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (the working directory) that
    holds `.git`, else `start`."""
    return _root_of((start or Path.cwd()).resolve())


@cache  # a SARIF log asks once per result: one walk up per directory, not per result
def _root_of(here: Path) -> Path:
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return here


def relative_uri(where: Location, base_dir: Path | None) -> str:
    """The file of `where` (a path relative to the working directory, as
    findings carry it) made relative to `base_dir`, by default the repository
    root; a place that is not a file of the repository is kept as it is."""
    if not where.in_repository:
        return where.path
    return _relative(where.path, os.getcwd(), base_dir)


@cache  # a report asks once per finding, for a few files: resolve each once
def _relative(path: str, cwd: str, base_dir: Path | None) -> str:
    # Keyed by the working directory too: relative paths and `base_dir` mean
    # another place after a chdir.
    base = base_dir.resolve() if base_dir else _root_of(Path(cwd).resolve())
    absolute = Path(cwd) / path
    return PurePosixPath(Path(os.path.relpath(absolute, base)).as_posix()).as_posix()


def uri_reference(where: Location, path: str) -> str:
    """`path`, the plain path `relative_uri` gives for `where`, as an RFC 3986
    URI reference for SARIF: everything but unreserved characters and `/`
    percent-encoded (non-ASCII as UTF-8), so a `#`, `?`, `%` or space in a
    file name stays part of the path instead of starting a fragment or a query.
    A bundled file keeps its `stackpolicy:` scheme."""
    if where.in_file and not where.in_repository:
        return BUNDLED_PREFIX + quote(path.removeprefix(BUNDLED_PREFIX), safe="/")
    return quote(path, safe="/")
