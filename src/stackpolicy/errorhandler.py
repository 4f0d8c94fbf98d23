"""Exit codes, decided in one place for every command.

0 clean, 1 findings (the commands decide those two), 2 an expected error
(one line `file:line:col: message` on stderr), 3 a bug (one line saying so
and where the traceback went), 130 interrupted. A crash never exits 1: CI
must not mistake it for "findings".
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import sys
import tempfile
import traceback
from collections.abc import Callable

import click

from stackpolicy.errors import StackpolicyError
from stackpolicy.escape import line

EXIT_ERROR = 2
EXIT_BUG = 3
EXIT_INTERRUPTED = 130
GC_THRESHOLDS = (200_000, 50, 100)


def run_command(command: Callable[[], int], *, debug: bool = False) -> int:
    """Run `command` and turn whatever it raises into an exit code."""
    # A command builds many long-lived objects and few cycles: at the default
    # thresholds the cyclic GC rescans them again and again (a third of a large
    # load). Rare young collections still free the cycles that cel-python makes
    # per evaluation. Once per process, here at the edge.
    thresholds = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return command()
    except StackpolicyError as exc:
        _say(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _say("stackpolicy: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()  # the reader left (`| head`): nothing more to say to it
        _say("stackpolicy: output closed before the report was written (broken pipe)")
        return EXIT_ERROR
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT):
            return _bug(exc, debug)
        _silence_stdout()
        _say(f"stackpolicy: cannot write the output: {exc.strerror or exc}")
        return EXIT_ERROR
    except Exception as exc:  # anything else is our bug, and must say so
        return _bug(exc, debug)
    finally:
        gc.set_threshold(*thresholds)


def _bug(exc: BaseException, debug: bool) -> int:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    where = "above" if debug else _log(text)
    if debug:
        click.echo(text, err=True, nl=False)
    _say(
        f"stackpolicy: internal error (a bug in stackpolicy): {type(exc).__name__}: {exc}; "
        f"the traceback is {where}; please report it"
    )
    return EXIT_BUG


def _log(text: str) -> str:
    """Write the traceback to a log file; its path, or where else it went."""
    try:
        fd, path = tempfile.mkstemp(prefix="stackpolicy-crash-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        return "not saved (run with --debug to see it)"
    return f"in {path} (--debug prints it)"


def _say(message: str) -> None:
    with contextlib.suppress(OSError):  # stderr gone too: the exit code is all that is left
        click.echo(line(message), err=True)


def _silence_stdout() -> None:
    """Python flushes stdout at exit; a dead pipe would raise once more there."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
