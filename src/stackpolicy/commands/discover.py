"""`stackpolicy discover`: what the infrastructure code under PATHS runs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from stackpolicy.commands import echo_errors
from stackpolicy.discovery.mapping import load_mapping
from stackpolicy.discovery.scan import Discovery, discover
from stackpolicy.errors import UsageError
from stackpolicy.fileio import write_atomic
from stackpolicy.location import Location
from stackpolicy.output import discover_json, discover_text, discover_yaml
from stackpolicy.settings import Request, read_config

RENDERERS = {
    "yaml": discover_yaml.render,
    "json": discover_json.render,
    "text": discover_text.render,
}


def run(request: Request, fmt: str, output: Path | None) -> int:
    """Print (or write) what was discovered under PATHS (else the config's
    `discover:` paths) with the org's mapping; warnings and errors go to
    stderr. Exit 0, or 2 when a file named on its own could not be read."""
    config = read_config(request)
    paths: Sequence[Path] = request.paths or config.discover
    if not paths:
        raise UsageError(
            "nothing to discover in: give PATHS, or list them under `discover:` in "
            ".stackpolicy.yaml",
            Location.nowhere("command line"),
        )
    discovery = discover(paths, mapping=load_mapping(config.discovery_mapping))
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
