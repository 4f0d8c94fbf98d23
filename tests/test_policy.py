from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import default_backend as backend
from stackpolicy.location import Location
from stackpolicy.policyfile import load_policies

Write = Callable[[str, str], Path]

HEAD = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-001
    title: t
    description: d
    severity: error
    layer: governance
"""


def errors_of(write: Write, body: str) -> list[str]:
    write("p.yaml", HEAD + body)
    return [str(e) for e in load_policies([Path("p.yaml")], backend()).errors]


def test_policy_fields(write: Write) -> None:
    write(
        "p.yaml",
        HEAD
        + """\
    scope: component
    kinds: [model]
    field: trained_by
    tags: [lineage]
    params: {envs: [production]}
    variables:
      - {name: prod, expression: component.environment in params.envs}
    match: variables.prod
    assert: has(component.trained_by)
    message: component.name + ' has no lineage'
""",
    )
    [compiled] = load_policies([Path("p.yaml")], backend()).policies
    policy = compiled.policy
    assert (policy.id, policy.scope, policy.kinds, policy.field) == (
        "T-001",
        "component",
        ("model",),
        "trained_by",
    )
    assert dict(policy.params) == {"envs": ["production"]}
    assert policy.location == Location("p.yaml", 4, 9, 4, 14)
    assert policy.expression("assert").location == Location("p.yaml", 17, 13, 17, 38)
    assert [name for name, _ in policy.variables] == ["prod"]
    assert set(policy.parts()) == {"match", "assert", "message"}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            "    scope: component\n    assert: component.owner == &&\n",
            ["p.yaml:10:32: T-001: assert: syntax error: unexpected '&&'"],
        ),
        (
            '    scope: component\n    assert: "component.owner == &&"\n',
            ["p.yaml:10:33: T-001: assert: syntax error: unexpected '&&'"],
        ),
        (
            "    scope: component\n    assert: |\n      has(component.owner) &&\n"
            "        nosuch.x == 1\n",
            [
                "p.yaml:12:9: T-001: assert: undeclared reference to 'nosuch' "
                "(expressions see component, params, stack, variables)"
            ],
        ),
        (
            "    scope: component\n    assert: >-\n      has(component.owner)\n\n"
            "      && nosuch.x\n",
            [
                "p.yaml:13:10: T-001: assert: undeclared reference to 'nosuch' "
                "(expressions see component, params, stack, variables)"
            ],
        ),
        (
            "    scope: component\n    assert: has(component.owner)\n      && nosuch.x\n",
            [
                "p.yaml:11:10: T-001: assert: undeclared reference to 'nosuch' "
                "(expressions see component, params, stack, variables)"
            ],
        ),
        (
            "    scope: stack\n    assert: component.owner != ''\n",
            [
                "p.yaml:10:13: T-001: assert: undeclared reference to 'component' "
                "(expressions see params, stack, variables)"
            ],
        ),
        (
            "    scope: everything\n    assert: 'true'\n",
            ["p.yaml:9:12: policies[0].scope: 'everything' is not one of ['component', 'stack']"],
        ),
        (
            "    scope: stack\n",
            ["p.yaml:4:5: policies[0]: 'assert' is a required property"],
        ),
        (
            "    scope: stack\n    assert: 'true'\n    asert: 'true'\n",
            ["p.yaml:11:5: policies[0]: unknown field 'asert' (did you mean 'assert'?)"],
        ),
    ],
)
def test_policy_errors(write: Write, body: str, errors: list[str]) -> None:
    assert errors_of(write, body) == errors


def test_one_broken_policy_does_not_hide_the_others(write: Write) -> None:
    good = HEAD.split("policies:\n", 1)[1].replace("T-001", "T-002")
    write(
        "p.yaml",
        HEAD
        + "    scope: stack\n    assert: 1 +\n"
        + good
        + "    scope: stack\n    assert: 'true'\n",
    )
    write("q.yaml", HEAD.replace("T-001", "T-002") + "    scope: stack\n    assert: 'true'\n")
    loaded = load_policies([Path("p.yaml"), Path("q.yaml")], backend())
    assert [c.policy.id for c in loaded.policies] == ["T-002"]
    assert [str(e) for e in loaded.errors] == [
        "p.yaml:10:16: T-001: assert: syntax error: unexpected end",
        "q.yaml:4:9: duplicate policy id 'T-002' (first defined at p.yaml:11:9)",
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "p.yaml:1:1: empty policy file"),
        ("- a\n", "p.yaml:1:1: expected a mapping with a `policies:` list"),
        (
            "apiVersion: stackpolicy/v1\nkind: PolicySet\npolicies: []\n",
            "p.yaml:3:11: policies: [] should be non-empty",
        ),
    ],
)
def test_bad_policy_files(write: Write, text: str, error: str) -> None:
    write("p.yaml", text)
    assert [str(e) for e in load_policies([Path("p.yaml")], backend()).errors] == [error]
