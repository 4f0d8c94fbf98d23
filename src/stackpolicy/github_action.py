"""The check step of the GitHub Action (action.yml at the repository root).

Runs `stackpolicy check` once with three reports: annotations in the log
(`--format github`; GitHub shows only 10 error and 10 warning annotations per
step), every finding in the job summary (`--markdown-output
$GITHUB_STEP_SUMMARY`) and SARIF in a file (`--sarif-output`). Then it tells
the upload step whether that SARIF may go to code scanning: only when the
check ran (exit 0 or 1). A run that could not load the stack (exit 2) has an
empty result set, and uploading it would close every open alert of its
category.

Inputs come from the environment, where action.yml puts them, never from a
script GitHub pasted them into (a crafted input could then run commands):
INPUT_PATHS and INPUT_ARGS (shell words), INPUT_SARIF_FILE (default
$RUNNER_TEMP/stackpolicy.sarif), INPUT_UPLOAD_SARIF (`false` skips the
upload). Outputs go to $GITHUB_OUTPUT: `exit-code`, `sarif-file`, `upload`.
The step exits with the check's exit code.
"""

from __future__ import annotations

import os
import secrets
import shlex
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

UPLOADABLE = (0, 1)
"""Exit codes of a check that ran: clean, or findings."""


def check_command(env: Mapping[str, str], sarif: Path) -> list[str]:
    """`stackpolicy check` with the user's paths and options, then the three reports
    (last, so that they win over the same options in INPUT_ARGS)."""
    command = [sys.executable, "-m", "stackpolicy", "check"]
    command += shlex.split(env.get("INPUT_PATHS", "")) + shlex.split(env.get("INPUT_ARGS", ""))
    command += ["--format", "github", "--sarif-output", str(sarif)]
    if env.get("GITHUB_STEP_SUMMARY"):
        command += ["--markdown-output", env["GITHUB_STEP_SUMMARY"]]
    return command


def sarif_path(env: Mapping[str, str]) -> Path:
    given = env.get("INPUT_SARIF_FILE", "")
    return Path(given) if given else Path(env.get("RUNNER_TEMP", ".")) / "stackpolicy.sarif"


def outputs(code: int, sarif: Path, env: Mapping[str, str]) -> dict[str, str]:
    wanted = env.get("INPUT_UPLOAD_SARIF", "true").strip().lower() != "false"
    upload = wanted and code in UPLOADABLE and sarif.is_file()
    return {"exit-code": str(code), "sarif-file": str(sarif), "upload": str(upload).lower()}


def write_outputs(values: Mapping[str, str], env: Mapping[str, str]) -> None:
    """Append to $GITHUB_OUTPUT in its multi-line form, so that no value (a
    path given as an input) can add an output of its own."""
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"stackpolicy_{secrets.token_hex(16)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def say_in_summary(text: str, env: Mapping[str, str]) -> None:
    """A line for a job summary that check left empty (it never ran: a usage
    error, a crash), so the summary does not look like a clean run."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if target and os.path.isfile(target) and os.path.getsize(target) == 0:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(f"## stackpolicy\n\n{text}\n")


def main(env: Mapping[str, str] = os.environ) -> int:
    sarif = sarif_path(env)
    try:
        command = check_command(env, sarif)
    except ValueError as exc:  # shlex: an unclosed quote
        print(
            f"stackpolicy: the action's paths or args are not shell words: {exc}", file=sys.stderr
        )
        code = 2
    else:
        code = subprocess.run(command, check=False).returncode
    values = outputs(code, sarif, env)
    write_outputs(values, env)
    if code not in UPLOADABLE:
        say_in_summary(
            f"stackpolicy exited {code} before it could check the stack: see the log.", env
        )
        print(
            f"stackpolicy: check exited {code}: no SARIF is uploaded, so the open "
            "code-scanning alerts stay as they are",
            file=sys.stderr,
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
