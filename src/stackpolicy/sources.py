"""Where policies come from: the bundled library, installed policy packages,
and local paths, as the configuration names them.

An org publishes its library as a wheel with an entry point in the group
`stackpolicy.policies` whose value is a module (its directory holds the
policy files), a path, or a function returning a path:

    [project.entry-points."stackpolicy.policies"]
    acme = "acme_ai_policies"

and pins it like any dependency. All sources load together (the bundled
library first); a policy id may be defined only once, so an org tunes a
bundled policy through `rules:` rather than redefining it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from stackpolicy.config import Config
from stackpolicy.errors import ConfigError
from stackpolicy.location import Location
from stackpolicy.policyfile import policy_files
from stackpolicy.resources import bundled_policies

if TYPE_CHECKING:
    from stackpolicy.settings import Settings

ENTRY_POINT_GROUP = "stackpolicy.policies"


def library_sources(settings: Settings) -> list[Path]:
    """The policy sources of the run: the configured ones (or `-p`), plus `-P`."""
    return policy_sources(settings.config, settings.policy_paths, settings.added_policies)


def policy_sources(
    config: Config, command_line: Sequence[Path], added: Sequence[Path] = ()
) -> list[Path]:
    """`--policies` on the command line replaces the configured sources;
    `--add-policies` loads more on top of them (or of `--policies`)."""
    return [*_sources(config, command_line), *added]


def _sources(config: Config, command_line: Sequence[Path]) -> list[Path]:
    if command_line:
        return list(command_line)
    paths = [bundled_policies()] if config.bundled else []
    paths += [package_policies(name, where) for name, where in config.packages]
    paths += config.policy_paths
    if not paths:
        where = (
            config.document.locate(("policies",)) if config.document else Location.nowhere("config")
        )
        raise ConfigError(
            "no policies: the bundled library is off and no paths or packages are configured", where
        )
    return paths


def package_policies(name: str, where: Location) -> Path:
    """The policy directory of an installed library, by entry point name."""
    # importlib.metadata imports email, zipfile and csv (~20 ms): only for a package.
    from importlib.metadata import entry_points

    found = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    if name not in found:
        known = ", ".join(sorted(found)) or "none"
        raise ConfigError(
            f"no installed policy library {name!r} (entry points in {ENTRY_POINT_GROUP}: {known})",
            where,
        )
    try:
        target = found[name].load()
    except Exception as exc:  # a broken plug-in is the user's input, not our bug
        raise ConfigError(f"policy library {name!r} failed to load: {exc}", where) from None
    if callable(target) and not isinstance(target, ModuleType):
        target = target()
    # A module means its directory; anything else is taken as the path itself.
    path = Path(target.__file__ or "").parent if isinstance(target, ModuleType) else Path(target)
    if not path.is_dir():
        raise ConfigError(f"policy library {name!r} points at {path}, not a directory", where)
    return path


def unique_files(paths: Sequence[Path]) -> list[Path]:
    """Each file once, directories as their policy files: a policy directory
    that is configured and also named on the command line must not define
    its policies twice."""
    seen: set[Path] = set()
    result: list[Path] = []
    for path in paths:
        for file in [path] if path.is_file() else policy_files([path]):
            if file.resolve() not in seen:
                seen.add(file.resolve())
                result.append(file)
    return result
