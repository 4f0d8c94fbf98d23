"""Find the input files under the paths a user gives."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from stackpolicy.errors import UsageError
from stackpolicy.inputs.stdin import DISPLAY, STDIN, stdin_copy
from stackpolicy.location import Location
from stackpolicy.resources import display_path


@dataclass(frozen=True)
class InputFile:
    path: Path
    display: str
    """The path as reports show it (relative to the working directory)."""
    explicit: bool
    """Named on its own (it must be an input), not found in a directory."""


def find_files(
    paths: Sequence[Path], suffixes: tuple[str, ...], *, explicit: bool = True
) -> list[InputFile]:
    """The files under `paths` whose names end in `suffixes`, each once, in
    the order given (directories sorted). Hidden files and directories below a
    given directory are skipped; a directory reached twice through links is
    walked once, so a symlink loop ends. `explicit=False` treats named files
    like found ones (pre-commit names every changed file)."""
    found: list[InputFile] = []
    seen: set[tuple[int, int]] = set()
    for path in paths:
        if path == STDIN:
            found.append(InputFile(stdin_copy(), DISPLAY, explicit=True))
        elif path.is_dir():
            for file in sorted(_walk(path, suffixes)):
                if _first_visit(file, seen):
                    found.append(InputFile(file, display_path(file), explicit=False))
        elif path.exists():  # a FIFO or device is refused, with its kind, when read
            if _first_visit(path, seen):
                found.append(InputFile(path, display_path(path), explicit=explicit))
        else:
            shown = display_path(path)  # a glob from the config matches absolute paths
            raise UsageError(f"no such file or directory: {shown}", Location(shown))
    return found


def _walk(top: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    directories: set[tuple[int, int]] = set()
    for root, dirs, files in os.walk(top, followlinks=True):
        here = Path(root)
        stat = here.stat()
        if (stat.st_dev, stat.st_ino) in directories:
            dirs[:] = []  # a loop through a symlink: this directory was walked already
            continue
        directories.add((stat.st_dev, stat.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            file = here / name
            if not name.startswith(".") and name.endswith(suffixes) and file.is_file():
                yield file


def _first_visit(path: Path, seen: set[tuple[int, int]]) -> bool:
    """False when this file (by device and inode) was already found."""
    stat = path.stat()
    key = (stat.st_dev, stat.st_ino)
    if key in seen:
        return False
    seen.add(key)
    return True
