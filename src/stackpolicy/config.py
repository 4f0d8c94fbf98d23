"""`.stackpolicy.yaml`: where the stack and the policies are, how the library
is tuned, waivers, and defaults for the command line.

Found by walking up from the working directory (like pre-commit or ruff), or
named with `--config`. Paths in it are relative to the file itself.
"""

from __future__ import annotations

import glob
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from stackpolicy.errors import ConfigError
from stackpolicy.findings import Severity
from stackpolicy.location import Location
from stackpolicy.resources import display_path
from stackpolicy.schemacheck import schema_errors
from stackpolicy.yamlload import Document, load_file

CONFIG_NAME = ".stackpolicy.yaml"


@dataclass(frozen=True)
class RuleTuning:
    pattern: str
    enabled: bool | None
    severity: Severity | None
    params: Mapping[str, Any]
    document: Document
    """To place errors at the line of the rule or the param."""


@dataclass(frozen=True)
class Config:
    path: Path | None
    """None when no configuration file was found: everything is a default."""
    document: Document | None = None
    stack: tuple[str, ...] = ()
    discover: tuple[Path, ...] = ()
    """Infrastructure code whose components join the stack (stackpolicy.discovery)."""
    discovery_mapping: tuple[Mapping[str, Any], ...] = ()
    """The org's discovery mapping entries, tried before the bundled table."""
    bundled: bool = True
    policy_paths: tuple[Path, ...] = ()
    packages: tuple[tuple[str, Location], ...] = ()
    rules: tuple[RuleTuning, ...] = ()
    profiles: tuple[str, ...] = ()
    """`profile:`, one name or several to combine; empty means the default."""
    fail_on: Severity | None = None
    format: str | None = None
    sarif_category: str | None = None
    waiver_warning_days: int | None = None
    baseline: Path | None = None
    policy_timeout: float | None = None
    waiver_sources: tuple[tuple[Document, tuple[str | int, ...]], ...] = ()
    """(document, key of its `waivers` list) for the config and the waivers file."""
    waivers_path: Path | None = None

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def stack_paths(self) -> list[Path]:
        """The `stack:` entries as paths; globs are expanded, in sorted order."""
        named, globbed = self.stack_inputs()
        return [*named, *globbed]

    def stack_inputs(self) -> tuple[list[Path], list[Path]]:
        """The `stack:` entries named as they are, and what their globs match:
        a file named must be a manifest, a file a glob matches may be other YAML."""
        named: list[Path] = []
        found: list[Path] = []
        for index, entry in enumerate(self.stack):
            if glob.has_magic(entry):
                matches = sorted(glob.glob(str(self.base / entry), recursive=True))
                found.extend(Path(m) for m in matches)
                continue
            path = self.base / entry
            if not path.exists():
                assert self.document is not None
                raise ConfigError(
                    f"stack entry {entry!r} does not exist", self.document.locate(("stack", index))
                )
            named.append(path)
        return named, found


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.stackpolicy.yaml` at or above `start` (the working directory)."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read and validate a configuration file; None gives the defaults."""
    if path is None:
        return Config(path=None)
    display = display_path(path)
    documents = load_file(path, display)
    if not documents:
        return Config(path=path)
    doc = documents[0]
    if not isinstance(doc.data, dict):
        raise ConfigError("expected a mapping", doc.locate(()))
    errors = schema_errors(doc, "config", ConfigError)
    if errors:
        raise errors[0]
    data = doc.data
    _check_timeout(data.get("policy_timeout"), doc)
    base = path.parent
    policies = data.get("policies") or {}
    discover = _discover(doc)
    sources: list[tuple[Document, tuple[str | int, ...]]] = []
    if "waivers" in data:
        sources.append((doc, ("waivers",)))
    if "waivers_file" in data:
        sources.append(_waivers_file(base / data["waivers_file"], doc))
    return Config(
        path=path,
        document=doc,
        stack=tuple(data.get("stack") or ()),
        discover=tuple(
            _existing(base / entry, doc, (*discover[0], i)) for i, entry in enumerate(discover[1])
        ),
        discovery_mapping=discover[2],
        bundled=policies.get("bundled", True),
        policy_paths=tuple(
            _existing(base / entry, doc, ("policies", "paths", i))
            for i, entry in enumerate(policies.get("paths") or ())
        ),
        packages=tuple(
            (name, doc.locate(("policies", "packages", i)))
            for i, name in enumerate(policies.get("packages") or ())
        ),
        rules=rule_tunings(doc),
        profiles=_names(data.get("profile")),
        fail_on=data.get("fail_on"),
        format=data.get("format"),
        sarif_category=data.get("sarif_category"),
        waiver_warning_days=data.get("waiver_warning_days"),
        baseline=base / data["baseline"] if "baseline" in data else None,
        policy_timeout=data.get("policy_timeout"),
        waiver_sources=tuple(sources),
        waivers_path=base / data["waivers_file"] if "waivers_file" in data else None,
    )


def _check_timeout(seconds: object, doc: Document) -> None:
    # The schema's bounds let NaN through (every comparison with it is false),
    # and a NaN budget would turn the budget off.
    if isinstance(seconds, float) and math.isnan(seconds):
        raise ConfigError(
            "policy_timeout must be a number of seconds above 0, not NaN",
            doc.locate(("policy_timeout",)),
        )


def rule_tunings(doc: Document) -> tuple[RuleTuning, ...]:
    """The `rules:` of a configuration or a profile (validated already)."""
    return tuple(
        RuleTuning(
            pattern=pattern,
            enabled=tuning.get("enabled"),
            severity=tuning.get("severity"),
            params=MappingProxyType(dict(tuning.get("params") or {})),
            document=doc,
        )
        for pattern, tuning in (doc.data.get("rules") or {}).items()
    )


def _names(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _discover(
    doc: Document,
) -> tuple[tuple[str, ...], list[str], tuple[Mapping[str, Any], ...]]:
    """`discover:` as (the key of its paths, the paths, the org's mapping
    entries): a list of paths, or a mapping with `paths` and `mapping`. The
    entries are checked here against the discovery mapping's schema, so that
    a mistake is placed in this file."""
    value = doc.data.get("discover")
    if not isinstance(value, dict):
        return ("discover",), list(value or ()), ()
    entries = value.get("mapping") or []
    for index in range(len(entries)):
        key = ("discover", "mapping", index)
        errors = schema_errors(doc, "discovery-mapping", ConfigError, key, part="entry")
        if errors:
            raise errors[0]
    paths = list(value.get("paths") or ())
    return ("discover", "paths"), paths, tuple(MappingProxyType(e) for e in entries)


def _existing(path: Path, doc: Document, key: tuple[str | int, ...]) -> Path:
    if not path.exists():
        raise ConfigError(f"no such file or directory: {display_path(path)}", doc.locate(key))
    return path


def _waivers_file(path: Path, config: Document) -> tuple[Document, tuple[str | int, ...]]:
    _existing(path, config, ("waivers_file",))
    documents = load_file(path, display_path(path))
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        raise ConfigError("expected a mapping with a `waivers:` list", Location(display_path(path)))
    errors = schema_errors(documents[0], "waivers", ConfigError)
    if errors:
        raise errors[0]
    return documents[0], ("waivers",)
