"""`stackpolicy docs`: the Markdown reference of a policy library."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from stackpolicy.commands import echo_errors
from stackpolicy.fileio import write_atomic
from stackpolicy.library import load_library
from stackpolicy.reference import markdown
from stackpolicy.report import EXIT_ERROR, EXIT_OK


def run(paths: Sequence[Path], output: Path | None) -> int:
    library = load_library(paths)
    echo_errors(library.errors)
    text = markdown(library)
    if output is None:
        click.echo(text, nl=False)
    else:
        write_atomic(output, text)
    return EXIT_ERROR if library.errors else EXIT_OK
