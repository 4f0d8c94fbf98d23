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
    assert sprawl["kind"] == "vector-store" and len(sprawl["components"]) == 4
    assert sprawl["departments"] == ["marketing", "search", "support"]
    assert doc["focus"] == ["inference", "features-embeddings"]


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


def test_markdown_has_the_table_and_a_mermaid_picture(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse, owner: a}\n")
    out = audit("s.yaml", "--no-config", "--format", "markdown").stdout
    assert "| Data platform | ✅ present | 1 |" in out
    assert "```mermaid\nflowchart BT\n" in out
    assert '    n0["wh<br/>warehouse"]\n' in out
    assert '    L1_empty["(empty)"]\n' in out
    assert "  L0 ~~~ L1\n" in out


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
    shot = tmp_path / "audit.png"
    subprocess.run(
        [*run, f"--screenshot={shot}", "--window-size=1280,1000", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a real picture, not blank
