"""Hostile and broken input: a located error and exit 2, a finding, or a
bounded amount of work; never a traceback, a hang or a silent pass.

(More of the catalogue is in test_cli.py, test_yamlload.py, test_manifest.py,
test_policy.py, test_engine.py and test_properties.py.)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import ROOT, STACK_HEAD
from stackpolicy.cli import main
from stackpolicy.resources import schema

Write = Callable[[str, str], Path]


def invoke(*args: str, env: dict[str, str] | None = None) -> Any:
    result = CliRunner(env=env).invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def wrong_value(spec: dict[str, Any]) -> Any:
    """A value of the wrong JSON type for a property of the manifest schema."""
    kind = spec.get("type")
    if kind == "boolean":
        return "yes"
    if kind in ("array", "object"):
        return "text" if kind == "array" else ["a"]
    return 5  # strings, names and enums


COMPONENT_FIELDS = sorted(
    (name, spec)
    for name, spec in schema("manifest")["$defs"]["component"]["properties"].items()
    # name is in every test component; a custom kind is allowed; attributes are free-form
    if name not in ("name", "kind", "attributes")
)


@pytest.mark.parametrize(("field", "spec"), COMPONENT_FIELDS, ids=[f for f, _ in COMPONENT_FIELDS])
def test_wrong_type_for_every_component_field(write: Write, field: str, spec: Any) -> None:
    value = json.dumps(wrong_value(spec))
    write("s.yaml", STACK_HEAD + f"  - name: x\n    kind: stream\n    {field}: {value}\n")
    result = invoke("check", "s.yaml", "--no-config")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"s.yaml:7:{len(field) + 7}: components[0]")
    assert field in line or "name" in line


def test_huge_files_are_refused_before_loading(write: Write) -> None:
    write(
        "big.yaml",
        STACK_HEAD + "  - {name: x, kind: stream, description: '" + "a" * 2_200_000 + "'}\n",
    )
    result = invoke("check", "big.yaml", "--no-config", env={"STACKPOLICY_MAX_FILE_MB": "2"})
    assert result.exit_code == 2
    assert result.stderr == (
        "big.yaml:1:1: file is 2 MiB, more than the 2 MiB stackpolicy reads "
        "(--max-file-mb or STACKPOLICY_MAX_FILE_MB raise the limit)\n"
    )


def test_very_long_lines_are_fine(write: Write) -> None:
    write(
        "s.yaml",
        STACK_HEAD
        + "  - {name: x, kind: stream, owner: a, description: '"
        + "word " * 200_000
        + "'}\n",
    )
    result = invoke("validate", "s.yaml", "--no-config")
    assert result.exit_code == 0


def test_long_values_do_not_make_long_messages(write: Write) -> None:
    write("s.yaml", STACK_HEAD + f"  - {{name: '{'x' * 5000}', kind: stream}}\n")
    result = invoke("check", "s.yaml", "--no-config")
    assert result.exit_code == 2
    assert len(result.stderr) < 300


EXPLOSIVE = """
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-SLOW-001
    title: Names are unique (written the quadratic way)
    description: d
    severity: error
    layer: governance
    scope: component
    kinds: [monitor]
    assert: stack.components.all(c, stack.components.filter(d, d.name == c.name).size() == 1)
  - id: T-OK-001
    title: Everything has a kind
    description: d
    severity: note
    layer: governance
    scope: stack
    assert: "false"
"""


@pytest.mark.parametrize("engine", ["cel-expr", "celpy"])
def test_exploding_rules_stop_at_the_budget_and_others_still_run(write: Write, engine: str) -> None:
    # 101 components: 101 + 101 * 101 comprehension steps, past the budget of 9,999.
    components = "".join(f"  - {{name: c{i}, kind: stream}}\n" for i in range(100))
    write("s.yaml", STACK_HEAD + components + "  - {name: mon, kind: monitor}\n")
    write("p.yaml", EXPLOSIVE)
    args = ["check", "s.yaml", "-p", "p.yaml", "--no-config", "--engine", engine]
    result = invoke(*args, "--fail-on", "note")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "p.yaml:11:13: T-SLOW-001 on component 'mon': assert: evaluation exceeded the iteration "
        "budget (9999 comprehension steps); a rule must not walk the whole stack: look "
        "components up through stack.by_name, stack.by_kind or component.referrers, or make it "
        "a component-scope rule"
    ]
    assert "note T-OK-001" in result.stdout  # the other policy still ran


SLOW = """
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-SLOW-002
    title: No component is named after another plus '!' (within the budget, but slow)
    description: d
    severity: error
    layer: governance
    scope: component
    assert: "!stack.components.exists(c, c.name == component.name + '!')"
"""


def test_a_slow_policy_is_stopped_by_the_time_budget(write: Write) -> None:
    components = "".join(f"  - {{name: c{i}, kind: stream}}\n" for i in range(3000))
    write("s.yaml", STACK_HEAD + components)
    write("p.yaml", SLOW)
    args = ["check", "s.yaml", "-p", "p.yaml", "--no-config", "--engine", "celpy"]
    result = invoke(*args, "--policy-timeout", "0.2")
    assert result.exit_code == 2
    [error] = result.stderr.splitlines()
    # Between components the rule stops itself and says how far it got; when
    # one component alone outlasts the budget (a loaded machine), the worker
    # is killed (stackpolicy.worker). Either way: one error naming the policy.
    assert error.startswith(
        ("p.yaml:10:13: T-SLOW-002: assert: stopped after 0.2 s with ", "p.yaml:4:9: T-SLOW-002: ")
    )
    assert error.endswith("(the policy time budget, --policy-timeout)")


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_output_is_deterministic(fmt: str) -> None:
    first = invoke("check", "examples/acme", "--format", fmt).stdout
    second = invoke("check", "examples/acme", "--format", fmt).stdout
    assert first == second and first


def test_paths_outside_the_working_directory_are_not_absolute(
    write: Write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write("repo/s.yaml", STACK_HEAD + "  - {name: x, kind: gpu}\n")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = invoke("check", str(tmp_path / "repo" / "s.yaml"), "--no-config")
    assert result.stderr.startswith("../repo/s.yaml:5:21: components[0].kind: unknown kind 'gpu'")
    assert str(tmp_path) not in result.stderr + result.stdout
    assert str(ROOT) not in result.stderr + result.stdout


def test_an_output_that_cannot_be_written_is_a_located_error(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: stream, owner: a}\n")
    write("taken", "a file, not a directory\n")
    result = invoke("check", "s.yaml", "--no-config", "-o", "taken/report.txt")
    assert result.exit_code == 2
    assert result.stderr == "taken/report.txt:1:1: cannot write: File exists\n"  # mkdir of taken/
