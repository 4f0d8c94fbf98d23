"""The audit at scale, computed and rendered in memory: the Markdown stays
under GitHub's comment limit and the HTML page groups by kind, whatever the
size of the stack."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from stackpolicy.audit import Audit, audit
from stackpolicy.cli import main
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.output import audit_html, audit_markdown
from stackpolicy.stack import Declared, Fragment, PlacesLocator, Stack, build_stack
from stackpolicy.vocabulary import KIND_LAYER

GITHUB_COMMENT_LIMIT = 65_536
KINDS = sorted(KIND_LAYER)


def synthetic(size: int, source: str = "manifest") -> tuple[Stack, list[Finding]]:
    """`size` components over every kind, each depending on the one before,
    one in seven with an error: enough for every table to want to grow."""
    declared = []
    findings = []
    for i in range(size):
        kind = KINDS[i % len(KINDS)]
        where = Location(f"stack/team-{i % 400}.yaml", i + 1, 3)
        data = {"name": f"component-{i:05d}", "kind": kind, "owner": f"team-{i % 400}"}
        if i:
            data["depends_on"] = [f"component-{i - 1:05d}"]
        declared.append(Declared(data, PlacesLocator(where), source if i % 2 else "manifest"))
        if i % 7 == 0:
            findings.append(
                Finding(
                    "T-001",
                    "error",
                    f"component-{i:05d} is broken",
                    where,
                    f"component-{i:05d}",
                    KIND_LAYER[kind],
                    "t",
                )
            )
    metadata = (("name", "big", Location("stack")),)
    loaded = build_stack([Fragment("stack", tuple(declared), metadata)])
    assert not loaded.errors
    return loaded.stack, findings


def audited(size: int, source: str = "manifest") -> Audit:
    stack, findings = synthetic(size, source)
    return audit(stack, findings)


@pytest.mark.parametrize("size", [30, 1_000, 10_000, 50_000])
def test_markdown_stays_under_githubs_comment_limit(size: int) -> None:
    text = audit_markdown.render(audited(size))
    assert len(text) < GITHUB_COMMENT_LIMIT
    # The map is one node per layer at any size.
    block = text.split("```mermaid")[1].split("```")[0]
    assert len(re.findall(r'^  L\d\["', block, flags=re.M)) == 7
    listed = len(re.findall(r"^\| component-\d{5} ", text, flags=re.M))
    more = sum(int(n) for n in re.findall(r"^… and (\d+) more", text, flags=re.M))
    assert listed + more == size  # every component is either listed or counted
    if size <= 30:
        assert more == 0
    # Cut tables keep the components with findings first.
    first = re.search(r"^\| component-\d{5} \| [^|]+ \| [^|]+ \| ([^|]+) \|", text, flags=re.M)
    assert first is not None and first.group(1).startswith("error T-001")


def test_declared_and_discovered_are_counted_per_layer() -> None:
    result = audited(28, source="terraform")
    assert sum(layer.discovered for layer in result.layers) == 14
    assert sum(layer.declared for layer in result.layers) == 14
    text = audit_markdown.render(result)
    assert re.search(r"\| \d+: \d+ declared; \d+ only discovered \|", text)


def test_small_html_draws_every_component_and_reference_with_arrowheads() -> None:
    result = audited(30)
    page = audit_html.render(result)
    assert page.count('class="component severity-') == 30
    assert page.count('<path class="reference ') == len(result.references) == 29
    assert page.count('marker-end="url(#arrow-') == 29
    assert 'width="1180"' not in page and "viewBox=" in page
    # Clicking a component with findings jumps to its findings.
    anchors = set(re.findall(r'<a href="#(c\d+)">', page))
    assert anchors and all(f'id="{anchor}"' in page for anchor in anchors)
    assert "T-001" in page.split('<g class="component severity-error"')[1].split("</title>")[0]


def test_large_html_groups_by_kind_instead_of_drawing() -> None:
    result = audited(10_000)
    page = audit_html.render(result)
    assert 'class="component severity-' not in page  # no box per component
    # The picture is the seven layers and one arc per pair of layers and direction.
    assert page.count('<g class="layer-bar"') == 7
    assert page.count('<path class="link"') == len(result.links) > 0
    assert page.count('marker-end="url(#map-') == len(result.links)
    assert page.count('<div class="band layer') == 7
    summaries = re.findall(r"<details><summary>([a-z-]+): (\d+)", page)
    assert sorted(kind for kind, _ in summaries) == KINDS
    assert sum(int(n) for _, n in summaries) == 10_000
    assert len(page) < 1_000_000


@pytest.mark.parametrize(
    ("profile", "training", "focus"),
    [
        ("full", "empty", "training"),
        ("llm-applications", "not needed", "inference"),
    ],
)
def test_the_profile_decides_which_empty_layers_matter(
    tmp_path: Path, profile: str, training: str, focus: str
) -> None:
    stack = tmp_path / "stack.yaml"
    stack.write_text(
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents:\n"
        "  - {name: docs, kind: dataset, owner: a, reads_from: [wh]}\n"
        "  - {name: wh, kind: warehouse, owner: a}\n"
        "  - {name: emb, kind: embedding-model, owner: a}\n"
        "  - {name: vectors, kind: vector-store, owner: a, depends_on: [emb]}\n"
        "  - {name: api, kind: inference-service, owner: a}\n"
        "  - {name: prefect, kind: orchestrator, owner: a}\n"
        "  - {name: traces, kind: tracing, owner: a, targets: [api]}\n"
        "  - {name: guard, kind: guardrail, owner: a, targets: [api]}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["audit", "--no-config", str(stack), "--profile", profile, "-f", "json"]
    )
    report = json.loads(result.stdout)
    assert report["profiles"] == [profile]
    layers = {layer["layer"]: layer["status"] for layer in report["layers"]}
    assert layers["training"] == training
    assert report["focus"][0] == focus
    text = CliRunner().invoke(main, ["audit", "--no-config", str(stack), "--profile", profile])
    assert f"judged against the profile {profile}\n" in text.stdout
