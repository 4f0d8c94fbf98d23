"""One module per command; each exposes a function that returns an exit code."""

from __future__ import annotations

from collections.abc import Iterable

import click

from stackpolicy.errors import StackpolicyError
from stackpolicy.report import sorted_errors


def echo_errors(errors: Iterable[StackpolicyError]) -> None:
    """Expected errors on stderr, one line each, in file and line order."""
    for error in sorted_errors(tuple(errors)):
        click.echo(str(error), err=True)
