"""`stackpolicy init`: a commented .stackpolicy.yaml and a starter stack
manifest in a directory, never over an existing file."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from stackpolicy.commands import terminal
from stackpolicy.errors import UsageError
from stackpolicy.escape import line
from stackpolicy.fileio import write_atomic
from stackpolicy.location import Location
from stackpolicy.resources import display_path
from stackpolicy.yamlload import read_text

STARTERS = Path(__file__).resolve().parent.parent / "starters"
"""One directory per starter profile; `default` is the one without --profile.
A profile (a fintech, a research lab, ...) is one more directory here with
the same two files; `run(profile=...)` picks it."""

DEFAULT_PROFILE = "default"

FILES = {".stackpolicy.yaml": "stackpolicy.yaml", "stack/stack.yaml": "stack.yaml"}
"""Where each starter file goes in the directory, and its name in the profile."""


def profiles() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in STARTERS.iterdir() if p.is_dir()))


def run(directory: Path, profile: str = DEFAULT_PROFILE) -> int:
    if profile not in profiles():
        raise UsageError(
            f"unknown profile {profile!r}: choose one of {', '.join(profiles())}",
            Location.nowhere("command line"),
        )
    said = []
    for target, name in FILES.items():
        path = directory / target
        shown = line(display_path(path))
        if os.path.lexists(path):  # a file, a link, anything: it is the user's
            said.append(f"kept {shown}: it exists (init never overwrites a file)")
            continue
        source = STARTERS / profile / name
        write_atomic(path, read_text(source, f"stackpolicy:starters/{profile}/{name}"))
        said.append(f"wrote {shown}")
    here = directory.resolve() == Path.cwd().resolve()
    go = "" if here else f"cd {shlex.quote(line(display_path(directory)))} && "
    said.append(f"next: {go}stackpolicy check")
    if not terminal().quiet:
        for text in said:
            click.echo(text)
    return 0
