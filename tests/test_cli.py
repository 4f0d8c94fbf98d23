"""Every kind of bad input: exit 2 and one located line per problem, no traceback."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]

BAD_MANIFESTS = [
    (
        "tabs",
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents:\n\t- name: x\n",
        "s.yaml:4:1: invalid YAML: found character that cannot start any token "
        "(a tab: YAML indentation must use spaces)",
    ),
    (
        "unclosed quote",
        STACK_HEAD + '  - name: "x\n',
        "s.yaml:6:1: invalid YAML: while scanning a quoted scalar at line 5, column 11: "
        "found unexpected end of stream",
    ),
    (
        "bad indentation",
        STACK_HEAD + "  - name: x\n   kind: stream\n",
        "s.yaml:6:4: invalid YAML: while parsing a block collection at line 5, column 3: "
        "did not find expected '-' indicator",
    ),
    (
        "duplicate key",
        STACK_HEAD + "  - name: x\n    kind: stream\n    kind: warehouse\n",
        "s.yaml:7:5: duplicate key 'kind' (first defined at line 6)",
    ),
    (
        "python tag",
        "a: !!python/object/apply:os.system [ls]\n",
        "s.yaml:1:4: unsupported YAML tag !!python/object/apply:os.system",
    ),
    ("empty", "", "s.yaml:1:1: empty file: expected a stack manifest"),
    ("scalar", "just text\n", "s.yaml:1:1: expected a mapping (a stack manifest), got a scalar"),
    (
        "unknown kind",
        STACK_HEAD + "  - {name: x, kind: gpu}\n",
        "s.yaml:5:21: components[0].kind: unknown kind 'gpu': use a kind from the vocabulary "
        "(stackpolicy schema manifest) or give the custom kind a layer",
    ),
    (
        "wrong type",
        STACK_HEAD + "  - {name: x, kind: stream, pii: 'yes'}\n",
        "s.yaml:5:34: components[0].pii: expected boolean, got string",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "error"), BAD_MANIFESTS, ids=[c[0] for c in BAD_MANIFESTS]
)
@pytest.mark.parametrize("command", ["check", "validate"])
def test_bad_manifest(write: Write, command: str, case: str, text: str, error: str) -> None:
    write("s.yaml", text)
    result = CliRunner().invoke(main, [command, "s.yaml"])
    assert result.exit_code == 2, case
    assert result.stderr == error + "\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_non_utf8_and_bom(write: Write) -> None:
    Path("bad.yaml").write_bytes(STACK_HEAD.encode() + b"  - {name: caf\xe9, kind: stream}\n")
    result = CliRunner().invoke(main, ["check", "bad.yaml"])
    assert (result.exit_code, result.stderr) == (
        2,
        "bad.yaml:5:15: not UTF-8: byte 0xe9 cannot be decoded\n",
    )
    Path("bom.yaml").write_bytes(
        b"\xef\xbb\xbf" + STACK_HEAD.encode() + b"  - {name: a, kind: stream}\n"
    )
    result = CliRunner().invoke(main, ["validate", "bom.yaml"])
    assert result.exit_code == 0


def test_usage_errors_exit_2(write: Write) -> None:
    assert CliRunner().invoke(main, ["check", "missing.yaml"]).exit_code == 2
    assert CliRunner().invoke(main, ["check"]).exit_code == 2
    write("s.yaml", STACK_HEAD)
    assert CliRunner().invoke(main, ["check", "s.yaml", "--format", "xml"]).exit_code == 2


def test_python_dash_m_in_a_subprocess(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: gpu}\n")
    proc = subprocess.run(
        [sys.executable, "-m", "stackpolicy", "check", "s.yaml"],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "s.yaml:5:21: components[0].kind: unknown kind 'gpu': use a kind from the vocabulary "
        "(stackpolicy schema manifest) or give the custom kind a layer"
    ]
    assert "Traceback" not in proc.stderr
