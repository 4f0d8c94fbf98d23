"""The command line: parse options, call a command, exit with its code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from click.shell_completion import CompletionItem

from stackpolicy import __version__
from stackpolicy.cel import ENGINES
from stackpolicy.errorhandler import run_command
from stackpolicy.findings import SEVERITIES, Severity
from stackpolicy.output import AUDIT_FORMATS, CHECK_FORMATS, TRACE_FORMATS, FormatOptions
from stackpolicy.resources import SCHEMA_FILES
from stackpolicy.vocabulary import LAYERS

if TYPE_CHECKING:
    from stackpolicy.settings import Request

_EXISTING = click.Path(exists=True, path_type=Path)
_EXISTING_OR_STDIN = click.Path(exists=True, allow_dash=True, path_type=Path)
_ENGINE = click.option(
    "--engine",
    type=click.Choice(ENGINES),
    default="auto",
    envvar="STACKPOLICY_ENGINE",
    show_envvar=True,
    show_default=True,
    help="CEL runtime: cel-expr (Google's cel-cpp, fast) or celpy (pure Python); "
    "auto is cel-expr where installed, else celpy.",
)


def _exit_with(command: Callable[[], int]) -> None:
    """Run a command and exit with its code; see stackpolicy.errorhandler."""
    sys.exit(run_command(command, debug=_debug()))


def _output(what: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`--output/-o FILE`: write `what` there instead of stdout."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write {what} to this file (atomically) instead of stdout.",
    )


def _format(
    choices: Iterable[str], help: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """`--format/-f` with these choices; the first is the default."""
    names = list(choices)
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice(names),
        default=names[0],
        show_default=True,
        help=help,
    )


def _debug() -> bool:
    context = click.get_current_context(silent=True)
    root = context.find_root() if context else None
    return bool(root and root.params.get("debug"))


# --- What the terminal shows: --quiet, --verbose, --color --------------------
# Accepted before the command (`stackpolicy -q check`) and after it
# (`stackpolicy check -q`); the values go to ctx.meta, which every context of
# one invocation shares, and commands read them with commands.terminal().


def _env_color() -> bool | None:
    """NO_COLOR (https://no-color.org) wins over FORCE_COLOR (https://force-color.org),
    as in Python 3.13; each counts only when set and not empty."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return None


def _remember(key: str) -> Callable[[click.Context, click.Parameter, Any], None]:
    name = f"stackpolicy.{key}"

    def store(context: click.Context, _: click.Parameter, value: Any) -> None:
        if key == "color":  # given after the command wins; else before it; else the env
            if value is not None:
                context.meta[name] = value
            elif name not in context.meta:
                context.meta[name] = _env_color()
        elif value:  # a flag given before or after the command
            context.meta[name] = True

    return store


def _terminal_options(*, quiet: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--quiet, --verbose and --color/--no-color (`test` has a --quiet of its own)."""
    decorators = [
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            expose_value=False,
            callback=_remember("verbose"),
            help="Also say on stderr what was read, which policies ran and how long it took.",
        ),
        click.option(
            "--color/--no-color",
            default=None,
            expose_value=False,
            callback=_remember("color"),
            help="Colour the text output (default: on a terminal; NO_COLOR and FORCE_COLOR "
            "are honoured).",
        ),
    ]
    if quiet:
        decorators.insert(
            0,
            click.option(
                "--quiet",
                "-q",
                is_flag=True,
                expose_value=False,
                callback=_remember("quiet"),
                help="Print only findings and errors: no summary, no notes.",
            ),
        )

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(decorators):
            command = option(command)
        return command

    return decorate


_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


class _Group(click.Group):
    """click's group, with a usage error on one line, as every expected error:
    `<command line>:1:1: what is wrong (stackpolicy check --help)`, exit 2."""

    def main(  # always exits, in standalone mode or not
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            sys.exit(_usage_error(exc))
        except click.ClickException as exc:  # e.g. a file click could not open
            exc.show()
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("stackpolicy: interrupted", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)  # --help, --version: click's Exit


def _usage_error(exc: click.UsageError) -> int:
    from stackpolicy.errors import UsageError
    from stackpolicy.location import Location

    if isinstance(exc, _NO_ARGS_IS_HELP):  # `stackpolicy` alone: the help, as click shows it
        exc.show()
        return exc.exit_code
    command = exc.ctx.command_path if exc.ctx else "stackpolicy"
    message = f"{exc.format_message().rstrip('.')} ({command} --help)"
    click.echo(str(UsageError(message, Location.nowhere("command line"))), err=True)
    return exc.exit_code


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stackpolicy")
@click.option(
    "--debug",
    is_flag=True,
    envvar="STACKPOLICY_DEBUG",
    help="On an internal error, print the traceback on stderr (default: to a log file).",
)
@click.option(
    "--max-file-mb",
    type=click.FloatRange(min=0, min_open=True, max=1024 * 1024),
    envvar="STACKPOLICY_MAX_FILE_MB",
    show_envvar=True,
    help="The largest file read, in MiB (default 64).",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="STACKPOLICY_CACHE_DIR",
    show_envvar=True,
    help="Where the dialect check's results are kept between runs "
    "(default: $XDG_CACHE_HOME/stackpolicy, else ~/.cache/stackpolicy).",
)
@click.option(
    "--no-cache",
    is_flag=True,
    envvar="STACKPOLICY_NO_CACHE",
    show_envvar=True,
    help="Check every policy against the dialect again and keep nothing.",
)
@_terminal_options()
def main(debug: bool, max_file_mb: float | None, cache_dir: Path | None, no_cache: bool) -> None:
    """Policy-as-code for AI infrastructure: CEL policies over a YAML stack manifest.

    Shell completion: eval "$(_STACKPOLICY_COMPLETE=bash_source stackpolicy)"
    (zsh_source, fish_source for those shells).
    """
    from stackpolicy.settings import DEFAULT_MAX_FILE_MB
    from stackpolicy.yamlload import limit_file_size

    megabytes = DEFAULT_MAX_FILE_MB if max_file_mb is None else max_file_mb
    if megabytes != megabytes:  # NaN, which click's range lets through
        raise click.BadParameter("must be a number", param_hint="--max-file-mb")
    limit_file_size(int(megabytes * 1024 * 1024))
    from stackpolicy.cel import checked_cache

    checked_cache.use(None if no_cache else cache_dir or _default_cache_dir())


def _default_cache_dir() -> Path | None:
    from stackpolicy.cel import checked_cache

    try:
        home = Path.home()
    except RuntimeError:  # no home directory to keep a cache in
        return None
    return checked_cache.default_directory(os.environ.get("XDG_CACHE_HOME"), home)


_ADD_POLICIES = click.option(
    "--add-policies",
    "-P",
    "added_policies",
    multiple=True,
    type=_EXISTING,
    help="Policy file or directory (repeatable) to load on top of the configured sources "
    "(or of --policies).",
)


def _library_options(command: Callable[..., None]) -> Callable[..., None]:
    """Which library a command reads: the configured one (the sources, the
    profiles and `rules:`), or what -p, -P and --no-config say instead."""
    decorators = [
        click.option(
            "--policies",
            "-p",
            "policy_paths",
            multiple=True,
            type=_EXISTING,
            help="Policy file or directory (repeatable); replaces the configured sources. "
            "Default: the configured library, else the bundled one.",
        ),
        _ADD_POLICIES,
        click.option(
            "--config",
            "config_path",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="Configuration file. Default: the nearest .stackpolicy.yaml above the "
            "working directory.",
        ),
        click.option(
            "--no-config",
            is_flag=True,
            help="Ignore any .stackpolicy.yaml: the bundled library, untuned.",
        ),
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def _stack_options(command: Callable[..., None]) -> Callable[..., None]:
    """PATHS, the library, discovery, profiles and engine: what every command
    that reads a stack takes."""
    decorators: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        # `-` is standard input (stackpolicy.inputs.stdin).
        click.argument("paths", nargs=-1, type=_EXISTING_OR_STDIN),
        _library_options,
        click.option(
            "--discover",
            "discover_paths",
            multiple=True,
            type=_EXISTING,
            help="Also take the components that discovery finds in the Terraform, Kubernetes, "
            "docker-compose and Backstage files here (repeatable; default: the config's "
            "`discover:`). See `stackpolicy discover`.",
        ),
        click.option(
            "--profile",
            "profiles",
            multiple=True,
            metavar="NAME",
            help="Tune the library for a use case: full, tabular-ml, llm-applications, "
            "model-training (repeatable, they combine; default: the config's `profile:`, "
            "else full). See docs/profiles.md.",
        ),
        click.option(
            "--changed",
            is_flag=True,
            help="PATHS are the files a commit changed (as pre-commit passes them): with a "
            "configured stack, check all of it and report findings in these files and of "
            "stack-wide policies.",
        ),
        _ENGINE,
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def _severity(value: str | None) -> Severity | None:
    """click's Choice gives a str; the choices are exactly the severities."""
    return next((s for s in SEVERITIES if s == value), None)


def _request(stack: dict[str, Any], **more: Any) -> Request:
    """The Request from _stack_options' values (and a command's own)."""
    return _library_request(
        stack,
        paths=stack["paths"],
        changed=stack["changed"],
        engine=stack["engine"],
        discover=stack["discover_paths"],
        **more,
    )


# --- More than one report per run: --FORMAT-output FILE --------------------
# As semgrep's --sarif-output: the report in --format goes to stdout (or
# --output); each --FORMAT-output writes one more copy, in that format, to a file.


def _copy_options(command: Callable[..., None]) -> Callable[..., None]:
    for name in reversed(list(CHECK_FORMATS)):
        command = click.option(
            f"--{name}-output",
            f"copy_{name}",
            type=click.Path(dir_okay=False, path_type=Path),
            help=f"Also write the report as {name} to this file (atomically).",
        )(command)
    return command


def _copies(stack: dict[str, Any]) -> tuple[tuple[str, Path], ...]:
    """Takes _copy_options' values out of `stack`: (format, file) pairs."""
    chosen = ((name, stack.pop(f"copy_{name}")) for name in CHECK_FORMATS)
    return tuple((name, path) for name, path in chosen if path is not None)


@main.command()
@_terminal_options()
@_stack_options
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(list(CHECK_FORMATS)),
    help="Output format (default: the config's, else text).",
)
@_output("the report")
@_copy_options
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Lowest severity that makes the exit code 1 (default: the config's, else error).",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Report only findings that are not in this baseline (stackpolicy baseline).",
)
@click.option(
    "--base-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="SARIF and GitHub paths are relative to this. Default: the git repository root.",
)
@click.option(
    "--sarif-category",
    help="SARIF automationDetails.id, to tell several uploads in one repository apart "
    "(default: the config's, else stackpolicy/).",
)
@click.option(
    "--sarif-include-waived",
    is_flag=True,
    help="Emit waived findings in SARIF as suppressed results (GitHub ignores them).",
)
@click.option(
    "--stats",
    is_flag=True,
    help="Print the time of each phase and the number of CEL evaluations on stderr.",
)
@click.option(
    "--policy-timeout",
    type=click.FloatRange(min=0, min_open=True),
    help="Seconds one policy may spend on the stack before it is stopped as an error "
    "(default: the config's, else 60).",
)
def check(
    fmt: str | None,
    output: Path | None,
    fail_on: str | None,
    baseline_path: Path | None,
    base_dir: Path | None,
    sarif_category: str | None,
    sarif_include_waived: bool,
    stats: bool,
    policy_timeout: float | None,
    **stack: Any,
) -> None:
    """Check the stack at PATHS (default: the configured stack) against the policies.

    Exit 0 when nothing reaches --fail-on, 1 when something does, 2 on an
    input, configuration or policy error.
    """
    from stackpolicy.commands import check as command

    request = _request(
        stack,
        baseline=baseline_path,
        policy_timeout=policy_timeout,
        fail_on=_severity(fail_on),
        format=fmt,
        sarif_category=sarif_category,
    )
    copies = _copies(stack)
    options = FormatOptions(base_dir=base_dir, include_waived=sarif_include_waived)
    _exit_with(lambda: command.run(request, output, options, stats, copies))


@main.command()
@_terminal_options()
@_stack_options
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=".stackpolicy-baseline.json",
    show_default=True,
    help="Where to write the baseline (atomically).",
)
def baseline(output: Path, **stack: Any) -> None:
    """Record the current findings, so that `check --baseline` reports only new ones."""
    from stackpolicy.commands import baseline as command

    _exit_with(lambda: command.run(_request(stack), output))


@main.command(name="audit")
@_terminal_options()
@_stack_options
@_format(
    AUDIT_FORMATS,
    "markdown includes a Mermaid picture (for PR comments); html is one self-contained page.",
)
@_output("the audit")
@click.option(
    "--department-label",
    metavar="LABEL",
    help="The component label that names its department, for duplication "
    "[default: department]. Owners are not departments.",
)
def audit_command(
    fmt: str, output: Path | None, department_label: str | None, **stack: Any
) -> None:
    """Audit the stack by layer: what is there, what is missing or duplicated,
    and the one or two layers that carry the most risk."""
    from stackpolicy.commands import audit as command

    _exit_with(lambda: command.run(_request(stack), fmt, output, department_label))


@main.command(name="trace")
@_terminal_options()
@click.argument("component")
@_stack_options
@_format(TRACE_FORMATS, "markdown for an incident ticket or a PR comment; json for tools.")
@_output("the trace")
def trace_command(component: str, fmt: str, output: Path | None, **stack: Any) -> None:
    """Trace COMPONENT through the stack: upstream to its model, training job,
    datasets and their sources; downstream to who consumes it; with owners,
    monitors, guardrails, orchestrators, findings and where the chain breaks."""
    from stackpolicy.commands import trace as command

    _exit_with(lambda: command.run(_request(stack), component, fmt, output))


@main.command()
@_terminal_options()
@_stack_options
@_output("the BOM")
@click.option(
    "--with-findings",
    is_flag=True,
    help="Run the policies and add each finding as a property of its component.",
)
@click.option(
    "--source-date-epoch",
    type=click.IntRange(min=0, max=253402300799),  # up to 9999-12-31T23:59:59Z
    envvar="SOURCE_DATE_EPOCH",
    show_envvar=True,
    help="Seconds since 1970 for metadata.timestamp (reproducible builds); "
    "without it the BOM has no timestamp.",
)
def bom(
    output: Path | None, with_findings: bool, source_date_epoch: int | None, **stack: Any
) -> None:
    """Write the stack at PATHS (default: the configured stack) as a CycloneDX 1.6
    JSON bill of materials: models with model cards, datasets, services, owners,
    dependencies and where each was declared. Exit 0, or 2 when the stack does
    not load."""
    from stackpolicy.commands import bom as command

    request = _request(stack)
    _exit_with(lambda: command.run(request, output, with_findings, source_date_epoch))


@main.command()
@_stack_options
@_format(CHECK_FORMATS, "Output format.")
def validate(fmt: str, **stack: Any) -> None:
    """Check only the manifest's schema and references (no policies)."""
    from stackpolicy.commands import validate as command

    _exit_with(lambda: command.run(_request(stack), fmt))


_SHOWN_PROFILE = click.option(
    "--profile",
    "profiles",
    multiple=True,
    metavar="NAME",
    help="Show the library as this profile tunes it (repeatable; default: the "
    "config's `profile:`, else full). See docs/profiles.md.",
)
"""For the commands that show the library (`test` runs each case untuned)."""


def _library_request(options: dict[str, Any], **more: Any) -> Request:
    from stackpolicy.settings import Request  # imported when a command runs

    return Request(
        policy_paths=options["policy_paths"],
        added_policies=options["added_policies"],
        config=options["config_path"],
        no_config=options["no_config"],
        profiles=options.get("profiles", ()),
        **more,
    )


@main.command()
@_terminal_options(quiet=False)
@click.argument("paths", nargs=-1, type=_EXISTING)
@_library_options
@click.option(
    "--require-cases",
    is_flag=True,
    help="Fail when a policy has no passing case or no failing case.",
)
@click.option("--quiet", "-q", is_flag=True, help="Show only the cases that did not pass.")
@_ENGINE
def test(
    paths: tuple[Path, ...], require_cases: bool, quiet: bool, engine: str, **library: Any
) -> None:
    """Run the policy unit tests (x_test.yaml beside x.yaml) under PATHS.

    PATHS are policy files, test files or directories; a policy file brings
    its x_test.yaml and a test file its x.yaml. Default: the configured
    library, else the bundled one. Exit 0 when every case passes, 1 when one
    fails (or, with --require-cases, a policy lacks a case), 2 when a test or
    policy cannot be loaded or run.
    """
    from stackpolicy.commands import test as command

    quiet = quiet or bool(click.get_current_context().meta.get("stackpolicy.quiet"))  # `-q test`
    request = _library_request(library, paths=paths, engine=engine)
    _exit_with(lambda: command.run(request, require_cases, quiet))


@main.command()
@_terminal_options()
@_library_options
@_SHOWN_PROFILE
@click.option("--layer", type=click.Choice(list(LAYERS)), help="Only this layer's policies.")
@_format(("text", "json"), "Output format.")
def rules(layer: str | None, fmt: str, **library: Any) -> None:
    """List the policies as `check` runs them: id, severity, layer and title."""
    from stackpolicy.commands import rules as command

    _exit_with(lambda: command.run(_library_request(library), layer, fmt))


def _complete_policy_ids(
    context: click.Context, _: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Shell completion of `explain ID`: the ids of the library it would read."""
    from stackpolicy.errors import StackpolicyError
    from stackpolicy.library import load_library
    from stackpolicy.resources import bundled_policies

    paths = tuple(context.params.get("policy_paths") or ()) or (bundled_policies(),)
    try:
        library = load_library(paths, cases=False)  # ids and titles: no test files
    except (StackpolicyError, OSError):
        return []  # a broken library completes nothing rather than crash the shell
    return [
        CompletionItem(entry.policy.id, help=entry.policy.title)
        for entry in library.entries
        if entry.policy.id.lower().startswith(incomplete.lower())
    ]


@main.command()
@_terminal_options()
@click.argument("policy_id", metavar="ID", shell_complete=_complete_policy_ids)
@_library_options
@_SHOWN_PROFILE
def explain(policy_id: str, **library: Any) -> None:
    """Show one policy in full: why, how to fix, params, CEL and examples."""
    from stackpolicy.commands import explain as command

    _exit_with(lambda: command.run(_library_request(library), policy_id))


@main.command()
@_terminal_options()
@_library_options
@_SHOWN_PROFILE
@_output("the reference")
def docs(output: Path | None, **library: Any) -> None:
    """Generate the Markdown reference of a policy library."""
    from stackpolicy.commands import docs as command

    _exit_with(lambda: command.run(_library_request(library), output))


@main.command()
@_terminal_options()
@click.argument(
    "directory", default=".", type=click.Path(file_okay=False, path_type=Path), required=False
)
@click.option(
    "--profile",
    metavar="NAME",
    help="What the stack is for, written as the config's `profile:`: full, tabular-ml, "
    "llm-applications or model-training (docs/profiles.md).",
)
def init(directory: Path, profile: str | None) -> None:
    """Start a repository: write a commented .stackpolicy.yaml and a starter
    stack manifest (stack/stack.yaml) in DIRECTORY (default: here). An
    existing file is never overwritten."""
    from stackpolicy.commands import init as command

    _exit_with(lambda: command.run(directory, profile))


@main.command()
@_terminal_options()
@click.argument("name", type=click.Choice(list(SCHEMA_FILES)))
def schema(name: str) -> None:
    """Print a JSON Schema: a stack manifest, a policy file or a policy test file."""
    from stackpolicy.commands import schema as command

    _exit_with(lambda: command.run(name))


@main.command()
@_terminal_options()
@click.argument("paths", nargs=-1, type=_EXISTING_OR_STDIN)
@_format(
    ("yaml", "json", "text"),
    "yaml is a starter manifest (loads with `validate`); json lists every component.",
)
@_output("the discovered components")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Configuration file, for its `discover:` paths and mapping. Default: the nearest "
    ".stackpolicy.yaml above the working directory.",
)
@click.option("--no-config", is_flag=True, help="Ignore any .stackpolicy.yaml.")
def discover(
    paths: tuple[Path, ...],
    fmt: str,
    output: Path | None,
    config_path: Path | None,
    no_config: bool,
) -> None:
    """Find the AI components in the Terraform, Kubernetes, docker-compose and
    Backstage files and CycloneDX BOMs under PATHS (`-` is standard input;
    default: the config's `discover:`). Exit 0, or 2 when a named file, or a
    file that claims to be a BOM, cannot be read."""
    from stackpolicy.commands import discover as command
    from stackpolicy.settings import Request

    request = Request(paths=paths, config=config_path, no_config=no_config)
    _exit_with(lambda: command.run(request, fmt, output))
