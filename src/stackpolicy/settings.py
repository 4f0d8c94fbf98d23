"""Settings, resolved once: the command line over `.stackpolicy.yaml` over
the defaults below, which are written nowhere else."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from stackpolicy.config import Config, find_config, load_config
from stackpolicy.errors import UsageError
from stackpolicy.findings import Severity
from stackpolicy.location import Location

DEFAULT_FORMAT = "text"
DEFAULT_FAIL_ON: Severity = "error"
DEFAULT_SARIF_CATEGORY = "stackpolicy/"
DEFAULT_POLICY_TIMEOUT = 60.0
"""Seconds one policy may spend on a stack before it is stopped as an error."""
MAX_POLICY_TIMEOUT = 86400.0
"""The longest time budget a run may ask for (a day; the config schema says the same)."""
POLICY_MEMORY_BYTES = 1024**3
"""Address space one policy's evaluation may add to the bound stack (the
evaluation worker's RLIMIT_AS, stackpolicy.worker)."""
DEFAULT_WAIVER_WARNING_DAYS = 14
DEFAULT_MAX_FILE_MB = 64.0
"""The largest file stackpolicy reads, in MiB (`--max-file-mb`)."""
DEFAULT_DEPARTMENT_LABEL = "department"
"""The label that names the department a component belongs to (audit duplication)."""
DEFAULT_PROFILES = ("full",)
"""The bundled library as it is: every layer required, every rule on."""


@dataclass(frozen=True)
class Request:
    """What the command line asked for; None means "from the config, else the default"."""

    paths: tuple[Path, ...] = ()
    policy_paths: tuple[Path, ...] = ()
    config: Path | None = None
    no_config: bool = False
    engine: str = "auto"
    baseline: Path | None = None
    changed: bool = False
    """PATHS are the files a commit changed (pre-commit): see `pipeline.select_changed`."""
    today: date | None = None
    policy_timeout: float | None = None
    fail_on: Severity | None = None
    format: str | None = None
    sarif_category: str | None = None
    added_policies: tuple[Path, ...] = ()
    """`--add-policies`: loaded on top of the configured sources (or of `-p`)."""
    discover: tuple[Path, ...] = ()
    """Infrastructure code to discover components in; empty means the config's."""
    profiles: tuple[str, ...] = ()
    """--profile (repeatable); empty means the config's `profile:`, else full."""


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, each value decided."""

    config: Config
    paths: tuple[Path, ...]
    policy_paths: tuple[Path, ...]
    """From the command line; empty means the configured sources."""
    engine: str
    baseline: Path | None
    changed: bool
    today: date
    policy_timeout: float
    fail_on: Severity
    format: str
    sarif_category: str
    waiver_warning_days: int
    added_policies: tuple[Path, ...] = ()
    discover: tuple[Path, ...] = ()
    """Where discovery looks; empty means no discovery."""
    profiles: tuple[str, ...] = DEFAULT_PROFILES
    """The profiles the library is tuned for (stackpolicy.profiles)."""
    profiles_at: Location = field(default_factory=lambda: Location.nowhere("defaults"))
    """Where they were named: an unknown profile is an error there."""


def read_config(request: Request) -> Config:
    if request.no_config:
        return load_config(None)
    return load_config(request.config or find_config())


def resolve(request: Request, config: Config) -> Settings:
    return Settings(
        config=config,
        paths=request.paths,
        policy_paths=request.policy_paths,
        engine=request.engine,
        baseline=request.baseline or config.baseline,
        changed=request.changed,
        today=request.today or date.today(),
        policy_timeout=_timeout(request.policy_timeout)
        or config.policy_timeout
        or DEFAULT_POLICY_TIMEOUT,
        fail_on=request.fail_on or config.fail_on or DEFAULT_FAIL_ON,
        format=request.format or config.format or DEFAULT_FORMAT,
        sarif_category=request.sarif_category or config.sarif_category or DEFAULT_SARIF_CATEGORY,
        waiver_warning_days=(
            DEFAULT_WAIVER_WARNING_DAYS
            if config.waiver_warning_days is None
            else config.waiver_warning_days
        ),
        added_policies=request.added_policies,
        discover=request.discover or config.discover,
        profiles=request.profiles or config.profiles or DEFAULT_PROFILES,
        profiles_at=_profiles_at(request, config),
    )


def _timeout(seconds: float | None) -> float | None:
    """`--policy-timeout` as given, if it is a budget: NaN, infinity and values
    past a day would turn the budget off (click's range lets NaN through)."""
    if seconds is not None and not 0 < seconds <= MAX_POLICY_TIMEOUT:
        raise UsageError(
            f"--policy-timeout must be a number of seconds above 0 and at most "
            f"{MAX_POLICY_TIMEOUT:g}, not {seconds}",
            Location.nowhere("command line"),
        )
    return seconds


def _profiles_at(request: Request, config: Config) -> Location:
    if request.profiles:
        return Location.nowhere("command line")
    if config.profiles and config.document is not None:
        return config.document.locate(("profile",))
    return Location.nowhere("defaults")
