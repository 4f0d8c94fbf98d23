from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from stackpolicy.cli import main

Write = Callable[[str, str], Path]

POLICY = """
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-001
    title: Services have an owner
    description: d
    severity: error
    layer: inference
    scope: component
    kinds: [inference-service]
    params: {min: 1}
    assert: has(component.owner) && size(component.owner) >= params.min
    message: component.name + ' has no owner'
"""


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["test", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_bundled_library_is_fully_tested() -> None:
    code, out, err = run(str(ROOT / "policies"), "--require-cases", "--quiet")
    assert (code, err) == (0, "")
    assert " 0 failed, 0 could not run." in out
    assert "error:" not in out


def test_pass_and_fail_with_a_diff(write: Write) -> None:
    write("lib/owners.yaml", POLICY)
    write(
        "lib/owners_test.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: PolicyTest
        cases:
          - name: owned
            stack:
              components: [{name: a, kind: inference-service, owner: team}]
            expect: []
          - name: wrong expectation
            stack:
              components: [{name: a, kind: inference-service}]
            expect:
              - {policy: T-001, component: b}
          - name: message must match when given
            stack:
              components: [{name: a, kind: inference-service}]
            expect:
              - {policy: T-001, component: a, message: something else}
        """,
    )
    code, out, _ = run("lib")
    assert code == 1
    assert out == (
        "lib/owners_test.yaml\n"
        "  pass  owned\n"
        "  FAIL  wrong expectation (lib/owners_test.yaml:8:11)\n"
        "        - expected T-001 on b\n"
        "        + got      T-001 on a: 'a has no owner'\n"
        "  FAIL  message must match when given (lib/owners_test.yaml:13:11)\n"
        "        - expected T-001 on a: 'something else'\n"
        "        + got      T-001 on a: 'a has no owner'\n"
        "\n"
        "3 cases: 1 passed, 2 failed, 0 could not run.\n"
    )


@pytest.mark.parametrize(
    ("flags", "code", "level"), [((), 0, "warning"), (("--require-cases",), 1, "error")]
)
def test_missing_cases_are_reported(
    write: Write, flags: tuple[str, ...], code: int, level: str
) -> None:
    write("lib/owners.yaml", POLICY)
    write(
        "lib/owners_test.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: PolicyTest
        cases:
          - name: owned
            stack: {components: [{name: a, kind: inference-service, owner: t}]}
            expect: []
        """,
    )
    write("lib/other.yaml", POLICY.replace("T-001", "T-002"))
    exit_code, out, _ = run("lib", *flags)
    assert exit_code == code
    assert out.splitlines()[-2:] == [
        f"{level}: no test cases: T-002",
        f"{level}: no failing case (a stack that violates it): T-001",
    ]


def test_params_in_cases_are_validated(write: Write) -> None:
    write("lib/owners.yaml", POLICY)
    write(
        "lib/owners_test.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: PolicyTest
        cases:
          - name: tuned
            params:
              T-001: {min: short, max: 3}
            stack: {components: [{name: a, kind: inference-service, owner: t}]}
            expect: []
        """,
    )
    code, out, _ = run("lib")
    assert code == 2
    assert (
        "        lib/owners_test.yaml:6:15: T-001 param 'min' must be an integer, "
        "got a string" in out
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            "kind: PolicyTest\ncases: []\n",
            "lib/owners_test.yaml:1:1: document: 'apiVersion' is a required property",
        ),
        (
            "apiVersion: stackpolicy/v1\nkind: PolicyTest\npolicies: [NOPE-1]\n"
            "cases: [{name: x, stack: {components: []}, expect: []}]\n",
            "lib/owners_test.yaml:3:12: unknown policy 'NOPE-1'",
        ),
        (
            "apiVersion: stackpolicy/v1\nkind: PolicyTest\ncases: [{name: x, expect: []}]\n",
            "lib/owners_test.yaml:3:9: cases[0]: 'stack' is a required property",
        ),
    ],
)
def test_broken_test_files_exit_2(write: Write, body: str, error: str) -> None:
    write("lib/owners.yaml", POLICY)
    write("lib/owners_test.yaml", body)
    code, _, err = run("lib")
    assert code == 2
    assert err == error + "\n"


def test_a_case_stack_with_errors_could_not_run(write: Write) -> None:
    write("lib/owners.yaml", POLICY)
    write(
        "lib/owners_test.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: PolicyTest
        cases:
          - name: bad stack
            stack: {components: [{name: a, kind: nonsense}]}
            expect: []
          - name: from a file
            file: fixtures/stack.yaml
            expect: [{policy: T-001, component: svc}]
        """,
    )
    write(
        "lib/fixtures/stack.yaml",
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents:\n"
        "  - {name: svc, kind: inference-service}\n",
    )
    code, out, _ = run("lib")
    assert code == 2
    assert "  ERROR  bad stack (lib/owners_test.yaml:4:11)\n" in out
    assert (
        "lib/owners_test.yaml:5:42: cases[0].stack.components[0].kind: unknown kind 'nonsense'"
        in out
    )
    assert "  pass  from a file\n" in out
