"""`stackpolicy baseline`: record today's findings so that only new ones fail."""

from __future__ import annotations

from pathlib import Path

import click

from stackpolicy import baseline, pipeline
from stackpolicy.commands import echo_errors, terminal
from stackpolicy.escape import line
from stackpolicy.fileio import write_atomic
from stackpolicy.report import EXIT_ERROR, EXIT_OK
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, output: Path) -> int:
    report = pipeline.check(resolve(request, read_config(request)))
    echo_errors(report.errors)
    if report.errors:
        return EXIT_ERROR  # a baseline of a half-checked stack would hide findings
    # A waiver that expires or lapses is for its owner to act on, never to baseline.
    waiver_rules = {p.id for p in report.policies if p.scope == "waiver"}
    recorded = [f for f in report.findings if f.policy_id not in waiver_rules]
    write_atomic(output, baseline.render(recorded))
    if not terminal().quiet:
        click.echo(line(f"{output}: {len(recorded)} findings recorded"), err=True)
    return EXIT_OK
