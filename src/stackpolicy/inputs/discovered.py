"""What the discovery readers (Kubernetes, compose, Backstage, Terraform) share:
reading a file once however many readers ask, turning a parse failure into a
warning or an error, and turning candidates into a `Read`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from stackpolicy.discovery.candidate import Candidate, Resolved, resolve
from stackpolicy.discovery.mapping import DiscoveryMapping, default_mapping
from stackpolicy.errors import StackpolicyError, YamlError
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.read import Read
from stackpolicy.location import Location
from stackpolicy.stack import Fragment
from stackpolicy.yamlload import Document, load_documents, read_text

_REPLICA = re.compile(r"^(?P<stem>.+?)[-_](?P<n>\d{1,3})$")


@dataclass
class Found:
    """What one discovery reader found in one file."""

    candidates: list[Candidate] = field(default_factory=list)
    recognised: bool = False
    """The file (or a document in it) is this reader's format, even if it
    holds no AI component."""
    errors: list[StackpolicyError] = field(default_factory=list)
    warnings: list[StackpolicyError] = field(default_factory=list)


class DiscoveryReader:
    """A reader of other tools' files: what every discovery reader shares.
    A subclass names its format (`name`, `suffixes`, `what`) and finds
    candidates in one file (`find`)."""

    name: str
    suffixes: tuple[str, ...]
    what: str
    """The format as an error names it: `a compose file`."""

    def __init__(self, mapping: DiscoveryMapping | None = None) -> None:
        self._mapping = mapping

    @property
    def mapping(self) -> DiscoveryMapping:
        return self._mapping or default_mapping()

    def read(self, file: InputFile) -> Read:
        return to_read(file, self.find(file), self.what)

    def find(self, file: InputFile) -> Found:
        raise NotImplementedError


def to_read(file: InputFile, found: Found, what: str) -> Read:
    """Resolve one file's candidates (links within the file only); an explicit
    file that is not this reader's format is an error."""
    if found.errors or found.warnings:
        return Read(errors=tuple(found.errors), warnings=tuple(found.warnings))
    if not found.recognised:
        if file.explicit:
            return Read(errors=(YamlError(f"not {what}", Location(file.display)),))
        return Read()
    resolved = resolve(found.candidates)
    return Read((fragment(file.display, resolved),))


def fragment(path: str, resolved: Resolved) -> Fragment:
    return Fragment(path=path, components=resolved.components)


def failed(file: InputFile, error: StackpolicyError, text: str | None = None) -> Found:
    """A file that does not parse: an error when named on its own, else a
    warning. A Helm template (`{{ ... }}`) is never an error: it is not YAML
    until Helm renders it."""
    helm = text is not None and "{{" in text
    if file.explicit and not helm:
        return Found(errors=[error])
    reason = "a Helm template, not rendered" if helm else "does not parse"
    return Found(warnings=[type(error)(f"skipped ({reason}): {error.message}", error.location)])


@dataclass(frozen=True)
class Parsed:
    documents: tuple[Document, ...] = ()
    text: str | None = None
    error: StackpolicyError | None = None


def parse_yaml(file: InputFile) -> Parsed:
    """The file's YAML documents, read tolerantly (merge keys, unknown tags),
    parsed once for all the readers that ask about the same unchanged file."""
    try:
        stat = file.path.stat()
    except OSError as exc:
        return Parsed(error=YamlError(f"cannot read: {exc.strerror or exc}", _nowhere(file)))
    return _parse_yaml(file.path, file.display, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parse_yaml(path: Path, display: str, mtime: int, size: int) -> Parsed:
    try:
        text = read_text(path, display)
    except StackpolicyError as exc:
        return Parsed(error=exc)
    try:
        return Parsed(tuple(load_documents(text, display, tolerant=True)), text)
    except StackpolicyError as exc:
        return Parsed(text=text, error=exc)


def _nowhere(file: InputFile) -> Location:
    return Location(file.display)


def replica_stem(name: str) -> str | None:
    """`qdrant-2` -> `qdrant`: the stem replicas written out one by one share."""
    match = _REPLICA.match(name)
    return match.group("stem") if match else None


def strip_image(image: str) -> str:
    """`ghcr.io/org/app:1.2@sha256:...` -> `org/app`: no registry, tag or digest;
    Docker Hub's `library/` prefix dropped."""
    repo = image.split("@", 1)[0]
    first, _, rest = repo.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        repo = rest
    last = repo.rsplit("/", 1)
    if ":" in last[-1]:
        repo = repo[: repo.rfind(":")]
    return repo.removeprefix("library/").lower()


def string_labels(value: object) -> dict[str, str]:
    """Labels as the manifest holds them: string keys and values only."""
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


OWNER_KEYS = ("owner", "team")
ENVIRONMENT_KEYS = ("environment", "env")


def pick(labels: dict[str, str], keys: Sequence[str]) -> str | None:
    """The first of `keys` (in any case) that `labels` has, non-empty."""
    lowered = {k.lower(): v for k, v in labels.items()}
    return next((lowered[k] for k in keys if lowered.get(k)), None)
