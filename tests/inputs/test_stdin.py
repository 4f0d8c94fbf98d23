"""`-` as a stack path reads standard input, bounded, and reports it as <stdin>."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import OWNERS, STACK_HEAD
from stackpolicy.cli import main
from tests.output.test_cyclonedx import valid_bom

Write = Callable[[str, str], Path]
STACK = STACK_HEAD + "  - {name: wh, kind: warehouse}\n"


def run(*args: str, stdin: str | bytes, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin, env=env)
    return result.exit_code, result.stdout, result.stderr


def test_check_reads_the_stack_from_stdin() -> None:
    code, out, err = run("check", "-", "-p", OWNERS, "--no-config", stdin=STACK)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "<stdin>:5:12: warning T-OWN-001 wh (warehouse) has no owner"


def test_stdin_merges_with_files(write: Write) -> None:
    write("more.yaml", STACK_HEAD.replace("- ", "") + "  - {name: lake, kind: warehouse}\n")
    code, out, _ = run("check", "-", "more.yaml", "-p", OWNERS, "-f", "json", stdin=STACK)
    assert code == 0
    where = sorted(f["file"] for f in json.loads(out)["findings"])
    assert where == ["<stdin>", "more.yaml"]


def test_errors_in_stdin_are_located() -> None:
    code, out, err = run("validate", "-", stdin=STACK_HEAD + "  - {name: x, kind: gpu}\n")
    assert (code, out) == (2, "Not checked: 1 problem in the input (see above).\n")
    assert err.startswith("<stdin>:5:21: components[0].kind: unknown kind 'gpu'")


def test_stdin_is_bounded() -> None:
    big = STACK + "#" * 2_000_000 + "\n"
    code, _, err = run("check", "-", stdin=big, env={"STACKPOLICY_MAX_FILE_MB": "1"})
    assert code == 2
    assert err == (
        "<stdin>:1:1: standard input is more than the 1 MiB stackpolicy reads "
        "(set STACKPOLICY_MAX_FILE_MB to raise the limit)\n"
    )


def test_bad_bytes_on_stdin_are_located() -> None:
    code, _, err = run("check", "-", stdin=STACK.encode() + b"# \xff\n")
    assert code == 2
    assert err.startswith("<stdin>:6:3: not UTF-8: byte 0xff")


@pytest.mark.parametrize("command", ["audit", "baseline"])
def test_other_stack_commands_take_stdin_too(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # baseline writes .stackpolicy-baseline.json here
    code, _, err = run(command, "-", "-p", OWNERS, "--no-config", stdin=STACK)
    assert code == 0, err


BOM = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "components": [{"type": "machine-learning-model", "bom-ref": "m-1", "name": "ranker"}],
}


def test_a_bom_on_stdin_is_read_as_a_bom() -> None:
    """The copy is named by what it holds, so the CycloneDX reader reads it;
    the finding is at the model's `name` in the BOM, as for a file."""
    text = json.dumps(valid_bom(json.dumps(BOM)), indent=2)
    code, out, err = run("check", "-", "-p", OWNERS, "--no-config", stdin=text)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "<stdin>:9:15: warning T-OWN-001 ranker (model) has no owner"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"bomFormat": "CycloneDX", "x": [}', "<stdin>:1:34: invalid YAML"),
        ('{"bomFormat": "CycloneDX",\n "a": 1, "a": 2}', "<stdin>:2:10: duplicate key 'a'"),
        (
            '{"bomFormat": "CycloneDX", "components": [{"type": "application", "name": "q",'
            ' "properties": [{"name": "stackpolicy:kind", "value": "GPU box"}]}]}',
            "<stdin>:1:133: kind: 'GPU box' is not valid",
        ),
    ],
)
def test_a_broken_bom_on_stdin_is_located(text: str, expected: str) -> None:
    code, _, err = run("check", "-", "-p", OWNERS, "--no-config", stdin=text)
    assert code == 2
    assert err.startswith(expected), err


@pytest.mark.parametrize(
    "text",
    [
        # YAML that mentions a BOM is still YAML: only a JSON object claims to be one.
        STACK + '# "bomFormat": "CycloneDX"\n',
        # A manifest written as JSON is still a manifest.
        json.dumps(
            {
                "apiVersion": "stackpolicy/v1",
                "kind": "Stack",
                "metadata": {"name": "shop", "org": "acme"},
                "components": [{"name": "wh", "kind": "warehouse"}],
            }
        ),
    ],
)
def test_other_text_on_stdin_is_still_a_manifest(text: str) -> None:
    code, out, err = run("check", "-", "-p", OWNERS, "--no-config", "-f", "json", stdin=text)
    assert (code, err) == (0, "")
    [finding] = json.loads(out)["findings"]
    assert (finding["file"], finding["policy_id"]) == ("<stdin>", "T-OWN-001")
