"""Profiles: the policy library tuned for a use case, shipped as data.

A profile is `profiles/NAME.yaml` beside the policies of a library (the
bundled one, an installed package, a local path): which layers are required,
which rules run, their params and severities, written exactly like `rules:`
in `.stackpolicy.yaml`. `profile:` in the configuration (or `--profile`)
names one or several; how several combine, and how the configuration's own
`rules:` still win, is stackpolicy.tuning's.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stackpolicy.config import RuleTuning, rule_tunings
from stackpolicy.errors import ConfigError
from stackpolicy.location import Location
from stackpolicy.policyfile import is_test_file
from stackpolicy.resources import bundled_policies, display_path
from stackpolicy.schemacheck import schema_errors
from stackpolicy.yamlload import load_file

if TYPE_CHECKING:
    from stackpolicy.settings import Settings

PROFILE_DIR = "profiles"


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    description: str
    rules: tuple[RuleTuning, ...]
    location: Location


def find_profiles(sources: Sequence[Path]) -> dict[str, Path]:
    """Every profile in the `profiles/` directory of the policy sources, by name."""
    found: dict[str, Path] = {}
    seen: set[Path] = set()
    for source in sources:
        folder = source / PROFILE_DIR
        if not folder.is_dir() or folder.resolve() in seen:
            continue  # the bundled library is also named as a source, often
        seen.add(folder.resolve())
        for path in sorted(folder.glob("*.yaml")):
            if is_test_file(path):  # a profile's policy tests live beside it
                continue
            if path.stem in found:
                first = display_path(found[path.stem])
                raise ConfigError(
                    f"profile {path.stem!r} is defined twice (first in {first})",
                    Location(display_path(path)),
                )
            found[path.stem] = path
    return found


def load_profiles(
    names: Sequence[str], sources: Sequence[Path], where: Location
) -> tuple[Profile, ...]:
    """The named profiles, read from the sources; an unknown name is an error at `where`."""
    available = find_profiles(sources)
    for name in names:
        if name not in available:
            raise ConfigError(_unknown(name, sorted(available)), where)
    return tuple(read_profile(available[name]) for name in names)


def read_profile(path: Path) -> Profile:
    display = display_path(path)
    documents = load_file(path, display)
    if len(documents) != 1 or not isinstance(documents[0].data, dict):
        raise ConfigError("a profile is one YAML mapping (kind: Profile)", Location(display))
    doc = documents[0]
    errors = schema_errors(doc, "profile", ConfigError)
    if not errors and doc.data["rules"]:
        errors = schema_errors(doc, "config", ConfigError, ("rules",), part="rules")
    if errors:
        raise errors[0]
    if doc.data["name"] != path.stem:
        message = f"profile name {doc.data['name']!r} must be the file's name, {path.stem!r}"
        raise ConfigError(message, doc.locate(("name",)))
    return Profile(
        name=doc.data["name"],
        title=doc.data["title"],
        description=" ".join(str(doc.data.get("description", "")).split()),
        rules=rule_tunings(doc),
        location=doc.locate(("name",)),
    )


def _unknown(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"no profile {name!r}{hint} (profiles: {', '.join(known) or 'none'})"


def profile_tunings(
    settings: Settings, sources: Sequence[Path]
) -> tuple[tuple[RuleTuning, ...], ...]:
    """The `rules:` of each profile of the run. Profiles are found beside the
    policies of every source, and always in the bundled library's."""
    where = [*sources, bundled_policies()]
    found = load_profiles(settings.profiles, list(dict.fromkeys(where)), settings.profiles_at)
    return tuple(profile.rules for profile in found)
