"""Expected errors: bad input or a broken policy. Each carries a location.

They print as one line, ``file:line:col: message``, and make the process exit 2.
Anything that is not a StackpolicyError is a bug.
"""

from __future__ import annotations

from stackpolicy.escape import line
from stackpolicy.location import Location


class StackpolicyError(Exception):
    """An expected error at a location."""

    def __init__(self, message: str, location: Location) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        """One line, always: a newline, ESC or bidi override from the input (in
        a file name or a quoted value) is shown escaped, never acted on."""
        return line(f"{self.location}: {self.message}")


class YamlError(StackpolicyError):
    """A file that is not the YAML we accept (syntax, encoding, tags, aliases)."""


class ManifestError(StackpolicyError):
    """A stack manifest that breaks the schema or the manifest rules."""


class PolicyError(StackpolicyError):
    """A policy that does not load, compile or evaluate."""


class ConfigError(StackpolicyError):
    """A configuration, waiver or baseline file that cannot be used."""


class UsageError(StackpolicyError):
    """A command line that asks for something that cannot be done."""
