"""The command line: parse options, call a command, exit with its code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from stackpolicy import __version__
from stackpolicy.errors import StackpolicyError
from stackpolicy.output import FORMATS, FormatOptions
from stackpolicy.resources import SCHEMA_FILES
from stackpolicy.vocabulary import LAYERS

_EXISTING = click.Path(exists=True, path_type=Path)
_ENGINE = click.option(
    "--engine",
    type=click.Choice(["auto", "cel-expr", "celpy"]),
    default="auto",
    show_default=True,
    help="CEL runtime: cel-expr (Google's cel-cpp, fast) or celpy (pure Python); "
    "auto is $STACKPOLICY_ENGINE if set, else cel-expr where installed.",
)


def _exit_with(command: Callable[[], int]) -> None:
    """Run a command; an expected error is one line on stderr and exit 2."""
    try:
        code = command()
    except StackpolicyError as exc:
        click.echo(str(exc), err=True)
        code = 2
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stackpolicy")
def main() -> None:
    """Policy-as-code for AI infrastructure: CEL policies over a YAML stack manifest."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=_EXISTING)
@click.option(
    "--policies",
    "-p",
    "policy_paths",
    multiple=True,
    type=_EXISTING,
    help="Policy file or directory (repeatable). Default: the bundled library.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to this file (atomically) instead of stdout.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the exit code 1.",
)
@click.option(
    "--base-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="SARIF and GitHub paths are relative to this. Default: the git repository root.",
)
@click.option(
    "--sarif-category",
    default="stackpolicy/",
    show_default=True,
    help="SARIF automationDetails.id, to tell several uploads in one repository apart.",
)
@_ENGINE
@click.option(
    "--stats",
    is_flag=True,
    help="Print the time of each phase and the number of CEL evaluations on stderr.",
)
def check(
    paths: tuple[Path, ...],
    policy_paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    fail_on: str,
    base_dir: Path | None,
    sarif_category: str,
    engine: str,
    stats: bool,
) -> None:
    """Check the stack manifest(s) at PATHS against the policies.

    Exit 0 when nothing reaches --fail-on, 1 when something does, 2 on an
    input or policy error.
    """
    from stackpolicy.commands import check as command

    options = FormatOptions(base_dir=base_dir, sarif_category=sarif_category)
    _exit_with(
        lambda: command.run(paths, policy_paths, fmt, output, fail_on, options, engine, stats)
    )


@main.command()
@click.argument("paths", nargs=-1, required=True, type=_EXISTING)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(list(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
def validate(paths: tuple[Path, ...], fmt: str) -> None:
    """Check only the manifest's schema and references (no policies)."""
    from stackpolicy.commands import validate as command

    _exit_with(lambda: command.run(paths, fmt))


@main.command()
@click.argument("paths", nargs=-1, type=_EXISTING)
@click.option(
    "--require-cases",
    is_flag=True,
    help="Fail when a policy has no passing case or no failing case.",
)
@click.option("--quiet", "-q", is_flag=True, help="Show only the cases that did not pass.")
@_ENGINE
def test(paths: tuple[Path, ...], require_cases: bool, quiet: bool, engine: str) -> None:
    """Run the policy unit tests (x_test.yaml beside x.yaml) under PATHS.

    Default: the bundled library. Exit 0 when every case passes, 1 when one
    fails, 2 when a test or policy cannot be loaded or run.
    """
    from stackpolicy.commands import test as command
    from stackpolicy.resources import bundled_policies

    _exit_with(lambda: command.run(paths or (bundled_policies(),), require_cases, quiet, engine))


_POLICIES = click.option(
    "--policies",
    "-p",
    "policy_paths",
    multiple=True,
    type=_EXISTING,
    help="Policy file or directory (repeatable). Default: the bundled library.",
)


def _library(policy_paths: tuple[Path, ...]) -> tuple[Path, ...]:
    from stackpolicy.resources import bundled_policies

    return policy_paths or (bundled_policies(),)


@main.command()
@_POLICIES
@click.option("--layer", type=click.Choice(list(LAYERS)), help="Only this layer's policies.")
@click.option(
    "--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rules(policy_paths: tuple[Path, ...], layer: str | None, fmt: str) -> None:
    """List the policies: id, severity, layer and title."""
    from stackpolicy.commands import rules as command

    _exit_with(lambda: command.run(_library(policy_paths), layer, fmt))


@main.command()
@click.argument("policy_id", metavar="ID")
@_POLICIES
def explain(policy_id: str, policy_paths: tuple[Path, ...]) -> None:
    """Show one policy in full: why, how to fix, params, CEL and examples."""
    from stackpolicy.commands import explain as command

    _exit_with(lambda: command.run(_library(policy_paths), policy_id))


@main.command()
@_POLICIES
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the reference to this file (atomically) instead of stdout.",
)
def docs(policy_paths: tuple[Path, ...], output: Path | None) -> None:
    """Generate the Markdown reference of a policy library."""
    from stackpolicy.commands import docs as command

    _exit_with(lambda: command.run(_library(policy_paths), output))


@main.command()
@click.argument("name", type=click.Choice(list(SCHEMA_FILES)))
def schema(name: str) -> None:
    """Print a JSON Schema: a stack manifest, a policy file or a policy test file."""
    from stackpolicy.commands import schema as command

    _exit_with(lambda: command.run(name))
