from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import ROOT, STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]
SUFFIX = {"text": "txt", "markdown": "md", "json": "json", "html": "html"}


def audit(*args: str) -> Any:
    return CliRunner().invoke(main, ["audit", *args])


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize("example", ["acme", "clean"])
@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_examples_match_golden(example: str, fmt: str, golden: Callable[[str, str], None]) -> None:
    result = audit(f"examples/{example}", "--format", fmt)
    assert (result.exit_code, result.stderr) == (0, "")
    golden(f"audit-{example}.{SUFFIX[fmt]}", result.stdout)


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_discovered_example_matches_golden(fmt: str, golden: Callable[[str, str], None]) -> None:
    """Declared versus discovered per layer, with discovery on (examples/iac)."""
    result = audit("examples/iac/stack.yaml", "--discover", "examples/iac", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    golden(f"audit-iac.{SUFFIX[fmt]}", result.stdout)


@pytest.mark.usefixtures("in_root")
def test_discovery_counts_declared_confirmed_and_discovered() -> None:
    doc = json.loads(
        audit("examples/iac/stack.yaml", "--discover", "examples/iac", "-f", "json").stdout
    )
    plain = json.loads(audit("examples/iac/stack.yaml", "-f", "json").stdout)
    assert doc["discovery"] is True and plain["discovery"] is False
    for layer, alone in zip(doc["layers"], plain["layers"], strict=True):
        manifest = [c for c in layer["components"] if c["source"] == "manifest"]
        assert layer["declared"] == len(manifest) == alone["declared"]
        assert layer["discovered"] == len(layer["components"]) - len(manifest)
        assert alone["discovered"] == 0 and alone["confirmed"] is None
        assert 0 <= layer["confirmed"] <= layer["declared"]
    inference = next(a for a in doc["layers"] if a["layer"] == "inference")
    assert (inference["declared"], inference["confirmed"]) == (1, 1)  # ranker, linked by source:


@pytest.mark.usefixtures("in_root")
def test_acme_audit_tells_the_story() -> None:
    doc = json.loads(audit("examples/acme", "--format", "json").stdout)
    layers = {layer["layer"]: layer for layer in doc["layers"]}
    assert list(layers) == [
        "data-platform",
        "features-embeddings",
        "training",
        "inference",
        "orchestration",
        "observability",
        "governance",
    ]
    [sprawl] = layers["features-embeddings"]["duplications"]
    assert sprawl["kinds"] == ["vector-store"] and len(sprawl["components"]) == 4
    assert sprawl["departments"] == ["marketing", "search", "support"]
    assert (sprawl["allowed"], sprawl["limit"]) == (1, "SP-EMB-001 max_vector_stores")
    assert doc["focus"] == ["inference", "features-embeddings"]


@pytest.mark.usefixtures("in_root")
def test_acme_counts_each_finding_under_its_policy_and_its_component() -> None:
    """Each layer says the findings of its own policies and those on its
    components; both add up to the check's findings, counted independently."""
    check = json.loads(
        CliRunner().invoke(main, ["check", "examples/acme", "--format", "json"]).stdout
    )
    rules = json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).stdout)
    policy_layer = {rule["id"]: rule["layer"] for rule in rules}
    doc = json.loads(audit("examples/acme", "--format", "json").stdout)
    component_layer = {
        c["name"]: layer["layer"] for layer in doc["layers"] for c in layer["components"]
    }
    for layer in doc["layers"]:
        found = layer["findings"]
        for severity in ("error", "warning", "note"):
            of_policies = [
                f
                for f in check["findings"]
                if f["severity"] == severity and policy_layer[f["policy_id"]] == layer["layer"]
            ]
            on_components = [
                f
                for f in check["findings"]
                if f["severity"] == severity
                and component_layer.get(f.get("component") or "") == layer["layer"]
            ]
            assert found["of_its_policies"][severity] == len(of_policies), layer["layer"]
            assert found["on_its_components"][severity] == len(on_components), layer["layer"]
    governance = next(layer for layer in doc["layers"] if layer["layer"] == "governance")
    # SP-GOV-002 (no guardrail on the chatbot) is a governance error on an inference component.
    assert governance["findings"]["of_its_policies"]["error"] >= 1
    assert governance["findings"]["on_its_components"]["error"] == 0


VECTOR_STORES = STACK_HEAD + "".join(
    f"  - {{name: vs{i}, kind: vector-store, owner: team-{i}{labels}}}\n"
    for i, labels in enumerate(
        [", labels: {department: search, team: a}", ", labels: {department: ads, team: b}", ""]
    )
)


@pytest.mark.parametrize(
    ("config", "duplicated"),
    [
        ("", [(1, "SP-EMB-001 max_vector_stores")]),
        (
            "rules:\n  SP-EMB-001:\n    params: {max_vector_stores: 2}\n",
            [(2, "SP-EMB-001 max_vector_stores")],
        ),
        ("rules:\n  SP-EMB-001:\n    params: {max_vector_stores: 3}\n", []),
    ],
)
def test_duplication_honours_the_tuned_limit(
    write: Write, config: str, duplicated: list[tuple[int, str]]
) -> None:
    write("s.yaml", VECTOR_STORES)
    write(".stackpolicy.yaml", config or "{}\n")
    doc = json.loads(audit("s.yaml", "--format", "json").stdout)
    layer = next(a for a in doc["layers"] if a["layer"] == "features-embeddings")
    assert [(d["allowed"], d["limit"]) for d in layer["duplications"]] == duplicated
    assert ("features-embeddings" in doc["focus"]) == bool(duplicated) or layer["risk"] > 0


@pytest.mark.parametrize(
    ("args", "departments", "unlabelled"),
    [
        ((), ["ads", "search"], 1),
        (("--department-label", "team"), ["a", "b"], 1),
        (("--department-label", "cost-centre"), [], 3),
    ],
)
def test_departments_come_from_the_label_never_the_owner(
    write: Write, args: tuple[str, ...], departments: list[str], unlabelled: int
) -> None:
    write("s.yaml", VECTOR_STORES)
    doc = json.loads(audit("s.yaml", "--no-config", "--format", "json", *args).stdout)
    [dup] = next(a for a in doc["layers"] if a["layer"] == "features-embeddings")["duplications"]
    assert (dup["departments"], dup["unlabelled"]) == (departments, unlabelled)
    assert not any(d.startswith("team-") for d in dup["departments"])


def test_empty_and_partial_layers(write: Write) -> None:
    write(
        "s.yaml",
        STACK_HEAD + "  - {name: api, kind: inference-service, owner: a}\n"
        "  - {name: job, kind: training-job, owner: a}\n",
    )
    doc = json.loads(audit("s.yaml", "--no-config", "--format", "json").stdout)
    status = {layer["layer"]: layer["status"] for layer in doc["layers"]}
    assert status == {
        "data-platform": "empty",
        "features-embeddings": "empty",
        "training": "partial",
        "inference": "partial",
        "orchestration": "empty",
        "observability": "empty",
        "governance": "empty",
    }
    inference = next(layer for layer in doc["layers"] if layer["layer"] == "inference")
    assert "inference runs without monitoring or evaluation" in inference["gaps"]


def test_markdown_has_the_table_and_a_layer_map(write: Write) -> None:
    write(
        "s.yaml",
        STACK_HEAD + "  - {name: wh, kind: warehouse, owner: a}\n"
        "  - {name: ds, kind: dataset, owner: a, reads_from: [wh]}\n"
        "  - {name: vs, kind: vector-store, owner: a, reads_from: [wh, ds]}\n",
    )
    out = audit("s.yaml", "--no-config", "--format", "markdown").stdout
    assert "| Data platform | ✅ present | 2 |" in out
    assert "```mermaid\nflowchart BT\n" in out
    assert '  L0["<b>Data platform</b><br/>present · 2 components<br/>' in out
    assert '  L1["<b>Features & embeddings</b><br/>present · 1 component<br/>' in out
    assert '  L2["<b>Training</b><br/>empty ✖ · 0 components<br/>no findings"]' in out
    assert "  L0 ~~~ L1\n" in out
    # Two references from layer 1 to layer 0 are one edge; ds -> wh stays inside layer 0.
    assert '  L1 -->|"2 references"| L0\n' in out
    assert out.count("-->") == 1
    assert "  class L2 empty\n" in out
    # No node per component: components are in the collapsible tables.
    assert '["wh' not in out
    assert "<details><summary>Data platform: 2 components</summary>" in out


def test_broken_input_exits_2(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: gpu}\n")
    result = audit("s.yaml", "--no-config")
    assert result.exit_code == 2
    assert result.stderr.startswith("s.yaml:5:21: components[0].kind: unknown kind 'gpu'")


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_html_page_renders_all_layers_and_components_offline(tmp_path: Path) -> None:
    page = tmp_path / "audit.html"
    result = CliRunner().invoke(
        main, ["audit", str(ROOT / "examples" / "acme"), "--format", "html", "-o", str(page)]
    )
    assert result.exit_code == 0, result.stderr
    assert "http" not in page.read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")
    run = [str(CHROMIUM), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*run, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert dom.count('class="layer"') == 7
    for layer in (
        "data-platform",
        "features-embeddings",
        "training",
        "inference",
        "orchestration",
        "observability",
        "governance",
    ):
        assert f'data-layer="{layer}"' in dom
    for name in ("pinecone-search", "support-chatbot", "snowflake-warehouse", "ranker-card"):
        assert f'data-name="{name}"' in dom
    assert 'class="component severity-error" data-name="support-chatbot"' in dom
    # References have arrowheads and a legend; a component's findings are one click away.
    assert dom.count('marker-end="url(#arrow-') == dom.count('<path class="reference ')
    assert dom.count('<path class="reference ') > 30
    assert "Arrows point from a component to the one it names" in dom
    chatbot = dom.split('data-name="support-chatbot"><title>')[1].split("</title>")[0]
    assert "error SP-INF-001: support-chatbot (inference-service) has no monitor" in chatbot
    assert "(examples/acme/serving.yaml:13:11)" in chatbot or "serving.yaml:13:11" in chatbot
    for section in ("Duplication", "Waivers", "Findings by component"):
        assert f"<h2>{section}</h2>" in dom
    shot = tmp_path / "audit.png"
    subprocess.run(
        [*run, f"--screenshot={shot}", "--window-size=1280,1000", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a real picture, not blank
