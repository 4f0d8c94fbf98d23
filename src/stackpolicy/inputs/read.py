"""What a reader gives back for one file."""

from __future__ import annotations

from dataclasses import dataclass

from stackpolicy.errors import StackpolicyError
from stackpolicy.stack import Fragment


@dataclass(frozen=True)
class Read:
    fragments: tuple[Fragment, ...] = ()
    errors: tuple[StackpolicyError, ...] = ()
    warnings: tuple[StackpolicyError, ...] = ()
    """What was skipped and why (a file found in a directory scan that does
    not parse, a Helm template): said, but no reason to stop."""
