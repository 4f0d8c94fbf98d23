"""Discover components under paths with every discovery reader; link them across files."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from stackpolicy.discovery.candidate import Candidate, resolve
from stackpolicy.discovery.mapping import DiscoveryMapping, default_mapping
from stackpolicy.errors import StackpolicyError
from stackpolicy.inputs.backstage import BackstageReader
from stackpolicy.inputs.compose import ComposeReader
from stackpolicy.inputs.cyclonedx_discovery import CycloneDXDiscoveryReader
from stackpolicy.inputs.discovered import Found
from stackpolicy.inputs.files import InputFile, find_files
from stackpolicy.inputs.kubernetes import KubernetesReader
from stackpolicy.inputs.terraform import TerraformReader
from stackpolicy.location import Location
from stackpolicy.stack import Declared, Fragment

SOURCES = ("terraform", "kubernetes", "compose", "backstage", "cyclonedx")


@dataclass(frozen=True)
class Discovery:
    components: tuple[Declared, ...]
    """certain and likely, in file order: what becomes part of a stack."""
    possible: tuple[Declared, ...]
    """possible: listed for a person to judge, never part of the stack."""
    files: tuple[str, ...]
    """Every file read that held one of the formats."""
    errors: tuple[StackpolicyError, ...]
    """Files named on their own that could not be read."""
    warnings: tuple[StackpolicyError, ...]
    """Files found in a directory that were skipped, and names changed to stay unique."""

    def fragment(self) -> Fragment:
        """The components as one fragment for `stackpolicy.stack.build_stack`."""
        return Fragment(
            path=self.files[0] if self.files else "<discovery>", components=self.components
        )


def discover(
    paths: Sequence[Path],
    *,
    mapping: DiscoveryMapping | None = None,
    sources: Sequence[str] = SOURCES,
) -> Discovery:
    """Everything the chosen `sources` recognise under `paths`. A file named
    on its own must be one of the formats; one found in a directory that does
    not parse is skipped with a warning."""
    chosen = _readers(mapping or default_mapping(), sources)
    suffixes = tuple(dict.fromkeys(s for reader in chosen for s in reader.suffixes))
    candidates: list[Candidate] = []
    files: list[str] = []
    errors: list[StackpolicyError] = []
    warnings: dict[str, StackpolicyError] = {}
    for file in find_files(paths, suffixes):
        found = find_in(file, chosen)
        candidates += found.candidates
        errors += found.errors
        for warning in found.warnings:
            warnings.setdefault(str(warning), warning)
        if found.recognised:
            files.append(file.display)
    resolved = resolve(candidates)
    for before, after, where in resolved.renamed:
        note = StackpolicyError(f"name {before!r} is used more than once: named {after!r}", where)
        warnings.setdefault(str(note), note)
    return Discovery(
        resolved.components,
        resolved.possible,
        tuple(files),
        tuple(errors),
        tuple(warnings.values()),
    )


_Reader = (
    TerraformReader | KubernetesReader | ComposeReader | BackstageReader | CycloneDXDiscoveryReader
)


def _readers(mapping: DiscoveryMapping, sources: Sequence[str]) -> list[_Reader]:
    classes: dict[str, type[_Reader]] = {
        "terraform": TerraformReader,
        "kubernetes": KubernetesReader,
        "compose": ComposeReader,
        "backstage": BackstageReader,
        "cyclonedx": CycloneDXDiscoveryReader,
    }
    return [classes[name](mapping) for name in sources]


def find_in(file: InputFile, readers: Sequence[_Reader]) -> Found:
    """What every reader whose suffix fits (every reader, for a file named on
    its own) finds in `file`. Several readers share `.yaml`: a file named on
    its own is an error only when none recognises it."""
    matching = [r for r in readers if file.path.name.endswith(r.suffixes)] or (
        list(readers) if file.explicit else []
    )
    scanned = InputFile(file.path, file.display, explicit=False)
    total = Found()
    for reader in matching:
        found = reader.find(scanned)
        total.candidates += found.candidates
        total.recognised = total.recognised or found.recognised
        # Only a BOM errs when found in a directory: one that claims to be a BOM must read.
        total.errors += found.errors
        total.warnings += [w for w in found.warnings if str(w) not in map(str, total.warnings)]
    if file.explicit and not total.recognised:
        if total.warnings:
            # It did not parse: named on its own, that is an error.
            explicit = InputFile(file.path, file.display, explicit=True)
            errors = [e for r in matching for e in r.find(explicit).errors]
            return Found(errors=errors[:1], warnings=[w for w in total.warnings if errors == []])
        names = ", ".join(r.name for r in matching) or "a format discovery reads"
        where = Location(file.display)
        return Found(
            errors=[StackpolicyError(f"nothing discovery reads ({names}) in this file", where)]
        )
    return total
