"""`stackpolicy init`: a commented .stackpolicy.yaml and a starter stack
manifest in a directory, never over an existing file."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from stackpolicy.commands import terminal
from stackpolicy.escape import line
from stackpolicy.fileio import write_atomic
from stackpolicy.location import Location
from stackpolicy.profiles import load_profiles
from stackpolicy.resources import bundled_policies, display_path
from stackpolicy.yamlload import read_text

STARTERS = Path(__file__).resolve().parent.parent / "starters" / "default"
"""The two starter files. The starter stack checks clean under every bundled
profile; `--profile` only sets the configuration's `profile:` line."""

PROFILE_LINE = "# profile: full\n"

FILES = {".stackpolicy.yaml": "stackpolicy.yaml", "stack/stack.yaml": "stack.yaml"}
"""Where each starter file goes in the directory, and its name in the profile."""


def run(directory: Path, profile: str | None = None) -> int:
    """Write the starter files that do not exist yet; `profile` (a bundled
    profile's name) goes into the configuration."""
    if profile is not None:
        load_profiles([profile], [bundled_policies()], Location.nowhere("command line"))
    said = []
    for target, name in FILES.items():
        path = directory / target
        shown = line(display_path(path))
        if os.path.lexists(path):  # a file, a link, anything: it is the user's
            said.append(f"kept {shown}: it exists (init never overwrites a file)")
            continue
        text = read_text(STARTERS / name, f"stackpolicy:starters/default/{name}")
        if profile is not None:
            text = text.replace(PROFILE_LINE, f"profile: {profile}\n")
        write_atomic(path, text)
        said.append(f"wrote {shown}")
    here = directory.resolve() == Path.cwd().resolve()
    go = "" if here else f"cd {shlex.quote(line(display_path(directory)))} && "
    said.append(f"next: {go}stackpolicy check")
    if not terminal().quiet:
        for text in said:
            click.echo(text)
    return 0
