from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from stackpolicy.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "iac"


def _run(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.stdout, result.stderr


def test_yaml_is_a_manifest_that_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, stderr = _run(["discover", str(EXAMPLES), "-o", "stack.yaml"])
    assert code == 0
    assert "Helm template" in stderr
    text = (tmp_path / "stack.yaml").read_text(encoding="utf-8")
    assert "\n  # terraform " in text and "main.tf:15:10 aws_sagemaker_endpoint.ranker" in text
    code, stdout, _ = _run(["validate", "stack.yaml"])
    assert code == 0, stdout
    assert "17 components" in stdout


def test_json_lists_every_component_with_its_place(tmp_path: Path) -> None:
    code, stdout, _ = _run(["discover", str(EXAMPLES), "--format", "json"])
    assert code == 0
    document = json.loads(stdout)
    rows = {row["address"]: row for row in document["components"]}
    endpoint = rows["aws_sagemaker_endpoint.ranker"]
    assert {k: endpoint[k] for k in ("name", "kind", "layer", "source", "confidence")} == {
        "name": "ranker",
        "kind": "inference-service",
        "layer": "inference",
        "source": "terraform",
        "confidence": "certain",
    }
    assert endpoint["file"].endswith("terraform/search/main.tf")
    assert (endpoint["line"], endpoint["column"]) == (15, 10)
    assert endpoint["model"] == "ranker-v3"
    assert [row["address"] for row in document["possible"]] == ["aws_opensearch_domain.tickets"]


HOSTILE = (
    'services:\n  "evil\\nkind: x\\u2028#\\"":\n    image: qdrant/qdrant\n'
    '    labels:\n      "o\\u0085wner": "a\\"\\n- b"\n'
)


def test_hostile_names_cannot_inject_yaml(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(HOSTILE, encoding="utf-8")
    code, stdout, _ = _run(["discover", str(tmp_path)])
    assert code == 0
    loaded = yaml.safe_load(stdout)
    assert len(loaded["components"]) == 1
    component = loaded["components"][0]
    # The service key is not a valid name: made valid, never raw.
    assert component["name"] == "evil-kind-x-"
    assert component["kind"] == "vector-store"
    assert component["labels"] == {"o\x85wner": 'a"\n- b'}
    assert component["source"] == 'compose:evil\nkind: x\u2028#"'
    for line in stdout.splitlines():
        assert "\u2028" not in line and "\x85" not in line


def test_a_named_file_that_is_no_format_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("just: notes\n", encoding="utf-8")
    code, _, stderr = _run(["discover", str(path)])
    assert code == 2
    assert "notes.yaml:1:1: nothing discovery reads" in stderr
