"""Readers: one module per input format, each turning files into fragments
of the stack (components with their places). To add a format, write a module
with a class that matches `Reader` and register it in `READERS`.

find files (files.py) -> a reader per file (manifest.py, ...) -> build_stack
(stackpolicy.stack) merges the fragments and checks the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from stackpolicy.errors import ManifestError, StackpolicyError
from stackpolicy.inputs.backstage import BackstageReader
from stackpolicy.inputs.compose import ComposeReader
from stackpolicy.inputs.cyclonedx import CycloneDXReader
from stackpolicy.inputs.files import InputFile, find_files
from stackpolicy.inputs.kubernetes import KubernetesReader
from stackpolicy.inputs.manifest import ManifestReader
from stackpolicy.inputs.read import Read
from stackpolicy.inputs.terraform import TerraformReader
from stackpolicy.location import Location
from stackpolicy.resources import display_path
from stackpolicy.stack import Fragment, LoadedStack, build_stack


class Reader(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def suffixes(self) -> tuple[str, ...]:
        """The file names it reads end in one of these."""
        ...

    def read(self, file: InputFile) -> Read:
        """The fragments in `file`, or none when it is not this format's. A file
        named on its own (`file.explicit`) that is not must be an error."""
        ...


READERS: Mapping[str, Reader] = {
    "manifest": ManifestReader(),
    "kubernetes": KubernetesReader(),
    "compose": ComposeReader(),
    "backstage": BackstageReader(),
    "terraform": TerraformReader(),
    "cyclonedx": CycloneDXReader(),
}
"""Every input format, by name. The discovery readers (all but `manifest`
and `cyclonedx`) use the bundled discovery mapping;
stackpolicy.discovery.discover takes an org's mapping and links components
across files."""

MANIFEST_READERS = ("manifest", "cyclonedx")
"""What a stack is read from: manifests, and CycloneDX BOMs (`stackpolicy
bom`'s or another tool's)."""
DISCOVERY_READERS = ("terraform", "kubernetes", "compose", "backstage")


def load_stack(
    paths: Sequence[Path],
    *,
    lenient: bool = False,
    readers: Sequence[str] | None = None,
    found: Sequence[Path] = (),
) -> LoadedStack:
    """Read every input under `paths` and merge it into one stack.

    `readers` name the formats to read (default: the stack manifest).
    `lenient` (pre-commit passes every changed YAML file) treats named files
    like files found in a directory: one that is not an input is skipped, and
    finding no input at all is no error. `found` are files read as if found
    in a directory (what a configured glob matched): they may be other YAML.
    """
    read = read_inputs(paths, lenient=lenient, readers=readers, found=found)
    errors = list(read.errors)
    if not read.fragments and not errors and not lenient:
        errors.append(no_manifest([*paths, *found]))
    return dataclasses.replace(build_stack(read.fragments, errors), skipped=read.warnings)


def read_inputs(
    paths: Sequence[Path],
    *,
    lenient: bool = False,
    readers: Sequence[str] | None = None,
    found: Sequence[Path] = (),
) -> Read:
    """The fragments in every input under `paths` (and `found`), what could
    not be read, and (as warnings) the files skipped as not ours, with why."""
    chosen = [READERS[name] for name in (MANIFEST_READERS if readers is None else readers)]
    suffixes = tuple(dict.fromkeys(s for reader in chosen for s in reader.suffixes))
    fragments: list[Fragment] = []
    errors: list[StackpolicyError] = []
    skipped: list[StackpolicyError] = []
    for file in _files(paths, found, suffixes, lenient):
        # A file named on its own is read whatever its name ends in.
        matching = [r for r in chosen if file.path.name.endswith(r.suffixes)]
        for reader in matching or (chosen if file.explicit else []):
            read = reader.read(file)
            fragments += read.fragments
            errors += read.errors
            skipped += read.warnings
    return Read(tuple(fragments), tuple(errors), tuple(skipped))


def _files(
    paths: Sequence[Path], found: Sequence[Path], suffixes: tuple[str, ...], lenient: bool
) -> list[InputFile]:
    named = find_files(paths, suffixes, explicit=not lenient)
    seen = {file.path.resolve() for file in named}
    more = [f for f in find_files(found, suffixes, explicit=False) if f.path.resolve() not in seen]
    return [*named, *more]


def no_manifest(paths: Sequence[Path]) -> StackpolicyError:
    where = Location(display_path(paths[0])) if paths else Location.nowhere("none")
    return ManifestError("no stack manifest found (apiVersion: stackpolicy/v1)", where)
