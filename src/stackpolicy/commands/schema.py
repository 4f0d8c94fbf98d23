"""`stackpolicy schema`: print a bundled JSON Schema, e.g. for an editor."""

from __future__ import annotations

import click

from stackpolicy.resources import schema_text


def run(name: str) -> int:
    click.echo(schema_text(name), nl=False)
    return 0
