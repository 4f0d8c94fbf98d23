"""`stackpolicy rules`: list the policies of a library."""

from __future__ import annotations

import json

import click

from stackpolicy.commands import configured_library, echo_errors
from stackpolicy.escape import line
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, layer: str | None, fmt: str) -> int:
    settings = resolve(request, read_config(request))
    library = configured_library(settings, cases=False)
    echo_errors(library.errors)
    policies = [e.policy for e in library.entries if layer is None or e.policy.layer == layer]
    if fmt == "json":
        rows = [
            {
                "id": p.id,
                "severity": p.severity,
                "layer": p.layer,
                "title": p.title,
                "scope": p.scope,
                "tags": list(p.tags),
                "help_uri": p.help_uri,
            }
            for p in policies
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        for p in policies:
            click.echo(line(f"{p.id:<12} {p.severity:<8} {p.layer:<20} {p.title}"))
    return EXIT_ERROR if library.errors else EXIT_OK
