"""The audit's Mermaid map: fixed size whatever the stack, one node per layer,
and it renders with mermaid-cli (the renderer GitHub's is built from)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from stackpolicy.cli import main

MMDC = os.environ.get("STACKPOLICY_MMDC") or shutil.which("mmdc")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def mermaid_block(markdown: str) -> str:
    [block] = re.findall(r"```mermaid\n(.*?)```", markdown, flags=re.S)
    return block


def acme_markdown() -> str:
    result = CliRunner().invoke(
        main, ["audit", str(ROOT / "examples" / "acme"), "--format", "markdown"]
    )
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_the_map_has_one_node_per_layer_and_counted_edges() -> None:
    block = mermaid_block(acme_markdown())
    nodes = re.findall(r'^  (L\d)\["<b>([^<]+)</b>', block, flags=re.M)
    assert [title for _, title in nodes] == [
        "Data platform",
        "Features & embeddings",
        "Training",
        "Inference",
        "Orchestration",
        "Evaluation & observability",
        "Governance & safety",
    ]
    edges = re.findall(r'^  (L\d) -->\|"(\d+) references?"\| (L\d)$', block, flags=re.M)
    pairs = [(a, b) for a, _, b in edges]
    assert len(pairs) == len(set(pairs))  # one edge per direction between two layers
    assert all(a != b for a, b in pairs)
    # Observability watches inference: monitor, drift detector, tracing x2 (search-api,
    # support-chatbot) = 4 references.
    assert ("L5", "4", "L3") in edges


@pytest.mark.skipif(MMDC is None, reason="needs mermaid-cli's mmdc on PATH (.ci/run installs it)")
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (.ci/run installs it)")
def test_mermaid_cli_renders_the_map(tmp_path: Path) -> None:
    source = tmp_path / "map.mmd"
    source.write_text(mermaid_block(acme_markdown()), encoding="utf-8")
    config = tmp_path / "puppeteer.json"
    config.write_text(json.dumps({"executablePath": CHROMIUM, "args": ["--no-sandbox"]}))
    svg, png = tmp_path / "map.svg", tmp_path / "map.png"
    for out in (svg, png):
        subprocess.run(
            [str(MMDC), "-p", str(config), "-i", str(source), "-o", str(out), "-b", "white"],
            capture_output=True,
            timeout=180,
            check=True,
        )
    drawn = svg.read_text(encoding="utf-8")
    for title in ("Data platform", "Inference", "Governance &amp; safety"):
        assert title in drawn
    assert drawn.count("4 references") == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
