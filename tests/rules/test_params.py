"""Typed params (issue 12): each param declares its type (and a list's item
type); an override of another type is an error at the config's line, before
any engine runs, so it reads the same on every engine."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]

ENGINE = os.environ.get("STACKPOLICY_ENGINE", "auto")

POLICY = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-001
    title: t
    description: d
    severity: error
    layer: data-platform
    scope: component
    params:
      vendors: {type: list, items: string, default: []}
      limit: {type: double, default: 2}
      strict: {type: bool, default: true}
      legacy: [a, b]
    assert: >-
      (size(params.vendors) == 0 || component.vendor in params.vendors)
      && params.limit > 1 && params.strict && size(params.legacy) > 0
    message: component.name + ' ' + string(params.limit) + ' ' + params.vendors.join(',')
"""

STACK = STACK_HEAD + "  - {name: w, kind: warehouse, owner: a, vendor: snowflake}\n"


def check(write: Write, config: str) -> tuple[int, str, str]:
    write("s.yaml", STACK)
    write("p.yaml", POLICY)
    write(".stackpolicy.yaml", config)
    result = CliRunner().invoke(
        main, ["check", "s.yaml", "-p", "p.yaml", "-f", "json", "--engine", ENGINE]
    )
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            "{vendors: [1, 2]}",
            "T-001 param 'vendors' must be a list of strings, got an integer at index 0",
        ),
        ("{vendors: snowflake}", "T-001 param 'vendors' must be a list of strings, got a string"),
        ("{limit: '2'}", "T-001 param 'limit' must be a number, got a string"),
        ("{strict: 1}", "T-001 param 'strict' must be a boolean, got an integer"),
        (
            "{legacy: [a, 1]}",
            "T-001 param 'legacy' must be a list of strings, got an integer at index 1",
        ),
    ],
)
def test_an_override_of_the_wrong_type_is_an_error_at_the_config_line(
    write: Write, params: str, error: str
) -> None:
    code, _, stderr = check(write, f"rules:\n  T-001:\n    params: {params}\n")
    assert code == 2
    assert stderr == f".stackpolicy.yaml:3:14: {error}\n"


def test_an_integer_for_a_double_is_the_same_double_on_every_engine(write: Write) -> None:
    code, stdout, stderr = check(
        write, "rules:\n  T-001:\n    params: {limit: 3, vendors: [bigquery]}\n"
    )
    assert (code, stderr) == (1, "")
    assert [f["message"] for f in json.loads(stdout)["findings"]] == ["w 3 bigquery"]


def test_a_default_of_the_wrong_type_is_an_error_in_the_policy(write: Write) -> None:
    write("s.yaml", STACK)
    write("p.yaml", POLICY.replace("default: true", "default: yes please"))
    result = CliRunner().invoke(main, ["check", "s.yaml", "-p", "p.yaml", "--no-config"])
    assert result.exit_code == 2
    assert result.stderr == "p.yaml:13:37: T-001 param 'strict' must be a boolean, got a string\n"


@pytest.mark.parametrize(
    ("declaration", "error"),
    [
        ("{type: list, default: []}", "'items' is a required property"),
        ("{type: int, items: string, default: 1}", "should not be valid"),
        ("{type: float, default: 1}", "'float' is not one of"),
    ],
)
def test_a_malformed_declaration_is_a_schema_error(
    write: Write, declaration: str, error: str
) -> None:
    write("s.yaml", STACK)
    write("p.yaml", POLICY.replace("{type: bool, default: true}", declaration))
    result = CliRunner().invoke(main, ["check", "s.yaml", "-p", "p.yaml", "--no-config"])
    assert result.exit_code == 2
    assert result.stderr.startswith("p.yaml:13:"), result.stderr
    assert error in result.stderr


def test_the_bundled_library_declares_every_param(write: Write) -> None:
    write("s.yaml", STACK)
    write(
        ".stackpolicy.yaml", "rules:\n  SP-DAT-004:\n    params:\n      approved_vendors: [1, 2]\n"
    )
    result = CliRunner().invoke(main, ["check", "s.yaml", "--engine", ENGINE])
    assert result.exit_code == 2
    assert result.stderr == (
        ".stackpolicy.yaml:4:7: SP-DAT-004 param 'approved_vendors' must be a list of strings, "
        "got an integer at index 0\n"
    )
