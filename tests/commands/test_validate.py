from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner

from conftest import STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]


def test_validate_ignores_policies_but_checks_references(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse, depends_on: [nope]}\n")
    result = CliRunner().invoke(main, ["validate", "s.yaml"])
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        "s.yaml:5:46: error SP-REF-001 wh (warehouse): depends_on 'nope' is not a component "
        "of the stack"
    )


def test_validate_clean(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    result = CliRunner().invoke(main, ["validate", "s.yaml"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.startswith("0 findings in 1 component from 1 file")


def test_validate_schema_error(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse, owner: [a]}\n")
    result = CliRunner().invoke(main, ["validate", "s.yaml"])
    assert result.exit_code == 2
    assert result.stderr == "s.yaml:5:40: components[0].owner: expected string, got array\n"
