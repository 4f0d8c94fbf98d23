"""What a reader gives back for one file."""

from __future__ import annotations

from dataclasses import dataclass

from stackpolicy.errors import StackpolicyError
from stackpolicy.stack import Fragment


@dataclass(frozen=True)
class Read:
    fragments: tuple[Fragment, ...] = ()
    errors: tuple[StackpolicyError, ...] = ()
