"""One dialect, byte for byte (issue 12): the bundled library, and a policy
that renders every kind of value, give byte-identical JSON and SARIF on
every engine, over the examples and over a generated stack with floats,
bools, nulls, mixed lists and maps in labels, attributes and params."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES
from stackpolicy import cel
from stackpolicy.cel import BackendUnavailable
from stackpolicy.cli import main

Write = Callable[[str, str], Path]


def _installed() -> list[str]:
    names = []
    for name in cel.BACKENDS:
        try:
            cel.backend(name)
        except BackendUnavailable:
            continue
        names.append(name)
    return names


ENGINES = _installed()
pytestmark = pytest.mark.skipif(len(ENGINES) < 2, reason="needs both CEL engines")

VALUES: list[Any] = [
    0,
    -1,
    2**63 - 1,
    -(2**63),
    1.5,
    -0.0,
    0.1,
    1e300,
    5e-324,
    1e21,
    123456.0,
    float("nan"),
    float("inf"),
    True,
    False,
    None,
    "",
    "x",
    "1.5",
    "true",
    "null",
    "ünïcødé",
]


def value(rng: random.Random, depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 2 and roll < 0.15:
        return [value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if depth < 2 and roll < 0.3:
        keys = rng.sample(["a", "b", "z", "10", "9", "env", "team"], rng.randrange(4))
        return {k: value(rng, depth + 1) for k in keys}
    return rng.choice(VALUES)


def generated_stack(seed: int) -> str:
    rng = random.Random(seed)
    kinds = ["warehouse", "stream", "vector-store", "model", "inference-service", "dataset"]
    components = []
    for i in range(30):
        component: dict[str, Any] = {"name": f"c{i}", "kind": rng.choice(kinds)}
        if rng.random() < 0.7:
            component["owner"] = rng.choice(["team-a", "team-b"])
        if rng.random() < 0.5:
            component["vendor"] = rng.choice(["snowflake", "kafka", "pinecone", "x\u202ey"])
        component["labels"] = {
            k: str(rng.choice(VALUES)) for k in rng.sample(["env", "tier", "zone", "b"], 3)
        }
        component["attributes"] = {k: value(rng) for k in rng.sample(list("abcdefgh"), 5)}
        components.append(component)
    document = {
        "apiVersion": "stackpolicy/v1",
        "kind": "Stack",
        "metadata": {"name": "generated", "org": "o"},
        "components": components,
    }
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


RENDER = """\
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: ORG-RENDER-001
    title: Every value, rendered
    description: d
    severity: warning
    layer: governance
    scope: component
    params:
      ratio: {type: double, default: 2}
      flags: {type: list, items: bool, default: [true]}
      limits: {type: list, items: double, default: [1]}
      names: {type: list, items: string, default: []}
    assert: "false"
    variables:
      - name: shown
        expression: >-
          component.attributes.map(k, k + '=' + (
            type(component.attributes[k]) == list
              ? 'list' + string(size(component.attributes[k]))
            : type(component.attributes[k]) == map
              ? 'map:' + component.attributes[k].map(j, j).join('|')
            : component.attributes[k] == null ? 'null'
            : string(component.attributes[k])))
    message: >-
      component.name + ' ' + variables.shown.join(',')
      + ' labels=' + component.labels.map(k, k + ':' + component.labels[k]).join(',')
      + ' p=' + string(params.ratio) + ' ' + params.limits.map(x, string(x)).join('/')
      + ' ' + params.flags.map(x, string(x)).join('/') + ' ' + params.names.join('/')
      + ' ' + string(component.attributes.exists(k, component.attributes[k] == 1.5))
"""

CONFIG = """\
policies:
  paths: [lib]
rules:
  SP-DAT-004:
    params: {approved_vendors: [snowflake, kafka]}
  ORG-RENDER-001:
    params: {ratio: 3, limits: [1, 0.1, 1.0e+21, -0.0], flags: [true, false], names: ["@a", "b"]}
"""


def outputs(*args: str) -> dict[str, tuple[int, str, str]]:
    runner = CliRunner()
    results = {}
    for engine in ENGINES:
        result = runner.invoke(main, ["check", *args, "--engine", engine])
        results[engine] = (result.exit_code, result.stdout, result.stderr)
    return results


@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_generated_stack_gives_identical_output(write: Write, seed: int, fmt: str) -> None:
    write("stack.yaml", generated_stack(seed))
    write("lib/render.yaml", RENDER)
    write(".stackpolicy.yaml", CONFIG)
    results = outputs("stack.yaml", "--format", fmt, "--fail-on", "error")
    first = results[ENGINES[0]]
    assert first[0] == 1 and first[2] == "", first[2]  # findings, no policy error
    assert '"ORG-RENDER-001"' in first[1]
    for engine, result in results.items():
        assert result == first, engine


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize("fmt", ["json", "sarif"])
@pytest.mark.parametrize("example", ["acme", "clean"])
def test_the_examples_give_identical_output(example: str, fmt: str) -> None:
    path = str((EXAMPLES / example).relative_to(EXAMPLES.parent))
    results = outputs(path, "--no-config", "--format", fmt)
    first = results[ENGINES[0]]
    assert first[0] in (0, 1) and first[2] == "", first[2]
    for engine, result in results.items():
        assert result == first, engine
