"""`stackpolicy docs`: the Markdown reference of a policy library."""

from __future__ import annotations

from pathlib import Path

import click

from stackpolicy.commands import configured_library, echo_errors
from stackpolicy.fileio import write_atomic
from stackpolicy.reference import markdown
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, output: Path | None) -> int:
    settings = resolve(request, read_config(request))
    library = configured_library(settings)
    echo_errors(library.errors)
    text = markdown(library)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    return EXIT_ERROR if library.errors else EXIT_OK
