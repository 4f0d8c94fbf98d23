"""`stackpolicy discover`: what the infrastructure code under PATHS runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from stackpolicy.commands import echo_errors
from stackpolicy.discovery.scan import Discovery, discover
from stackpolicy.fileio import write_atomic
from stackpolicy.output import discover_json, discover_text, discover_yaml

RENDERERS = {
    "yaml": discover_yaml.render,
    "json": discover_json.render,
    "text": discover_text.render,
}


def run(paths: Sequence[Path], fmt: str, output: Path | None) -> int:
    """Print (or write) what was discovered; warnings and errors go to stderr.
    Exit 0, or 2 when a file named on its own could not be read."""
    discovery = discover(paths)
    echo_errors(discovery.warnings)
    echo_errors(discovery.errors)
    text = render(discovery, fmt)
    if output is not None:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)
    return 2 if discovery.errors else 0


def render(discovery: Discovery, fmt: str) -> str:
    return RENDERERS[fmt](discovery)
