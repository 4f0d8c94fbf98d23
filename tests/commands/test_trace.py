from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import STACK_HEAD
from stackpolicy.cli import main

Write = Callable[[str, str], Path]
SUFFIX = {"text": "txt", "markdown": "md", "json": "json"}


def trace(*args: str) -> Any:
    return CliRunner().invoke(main, ["trace", *args])


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
@pytest.mark.parametrize("component", ["support-chatbot", "search-api", "support-tickets"])
def test_acme_traces_match_golden(
    component: str, fmt: str, golden: Callable[[str, str], None]
) -> None:
    result = trace(component, "examples/acme", "--format", fmt)
    assert (result.exit_code, result.stderr) == (0, "")
    golden(f"trace-acme-{component}.{SUFFIX[fmt]}", result.stdout)


@pytest.mark.usefixtures("in_root")
def test_the_chatbot_story_in_one_command() -> None:
    """Wrong refund answers: the chain runs service -> model, and breaks at the
    model nobody recorded the training of (SP-TRN-001 says so) and at a
    reference to nothing (SP-REF-001); the fine-tuning job that probably made
    it is named as a candidate."""
    doc = json.loads(trace("support-chatbot", "examples/acme", "-f", "json").stdout)
    hops = {hop["name"]: hop for hop in doc["upstream"]}
    assert doc["upstream"][0]["name"] == "support-chatbot"
    assert hops["support-llm"]["via"] == "model" and hops["support-llm"]["version"] == "2026-10-02"
    assert hops["support-llm"]["location"] == "examples/acme/training.yaml:51:11"
    assert hops["support-chatbot"]["owner"] == "support-eng"
    assert [a["name"] for a in hops["support-chatbot"]["attached"]] == ["otel-tracing"]
    assert hops["kafka-event"]["in_stack"] is False
    breaks = {(b["at"], b["field"]): b for b in doc["breaks"]}
    lineage = breaks[("support-llm", "trained_by")]
    assert [f["policy"] for f in lineage["findings"]] == ["SP-TRN-001"]
    assert lineage["candidates"] == ["support-finetune"]
    dangling = breaks[("support-chatbot", "depends_on")]
    assert [f["policy"] for f in dangling["findings"]] == ["SP-REF-001"]
    assert dangling["findings"][0]["location"] == "examples/acme/serving.yaml:20:36"
    assert [hop["name"] for hop in doc["downstream"]] == ["support-chatbot"]


@pytest.mark.usefixtures("in_root")
def test_a_traced_lineage_goes_to_the_sources_and_the_orchestrator() -> None:
    doc = json.loads(trace("search-api", "examples/acme", "-f", "json").stdout)
    chain = [(hop["depth"], hop["via"], hop["name"]) for hop in doc["upstream"]]
    assert (1, "model", "search-ranker") in chain
    assert (2, "trained_by", "ranker-training") in chain
    assert (3, "datasets", "product-catalog") in chain
    assert (4, "reads_from", "snowflake-warehouse") in chain
    assert (5, "written by", "ingest-pipeline") in chain
    training = next(hop for hop in doc["upstream"] if hop["name"] == "ranker-training")
    assert training["run_by"] == ["airflow", "retrain-weekly (airflow)"]
    # rollback_to names search-ranker again: listed once, then marked as repeated.
    assert [hop["repeated"] for hop in doc["upstream"] if hop["name"] == "search-ranker"] == [
        False,
        True,
    ]
    assert doc["breaks"] == []


def test_unknown_component_exits_2_with_a_suggestion(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: support-chatbot, kind: inference-service}\n")
    result = trace("support-chatbt", "s.yaml", "--no-config")
    assert result.exit_code == 2
    assert result.stderr == (
        "<command line>:1:1: no component named 'support-chatbt' in the stack "
        "(did you mean 'support-chatbot'?)\n"
    )


def test_cycles_end_and_downstream_lists_consumers(write: Write) -> None:
    write(
        "s.yaml",
        STACK_HEAD + "  - {name: a, kind: dataset, owner: o, reads_from: [b]}\n"
        "  - {name: b, kind: dataset, owner: o, reads_from: [a]}\n"
        "  - {name: job, kind: training-job, owner: o, datasets: [a]}\n"
        "  - {name: m, kind: model, owner: o, trained_by: job}\n",
    )
    doc = json.loads(trace("a", "s.yaml", "--no-config", "-f", "json").stdout)
    assert [(h["name"], h["repeated"]) for h in doc["upstream"]] == [
        ("a", False),
        ("b", False),
        ("a", True),
    ]
    assert [(h["depth"], h["via"], h["name"]) for h in doc["downstream"]] == [
        (0, None, "a"),
        (1, "reads_from", "b"),
        (2, "reads_from", "a"),
        (1, "datasets", "job"),
        (2, "trained_by", "m"),
    ]


def test_broken_stack_exits_2(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: x, kind: gpu}\n")
    result = trace("x", "s.yaml", "--no-config")
    assert result.exit_code == 2
    assert result.stderr.startswith("s.yaml:5:21: components[0].kind: unknown kind 'gpu'")


HOSTILE = r"a\n::error::x\e]0;t\a\u202e| <b>#`"


@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_hostile_names_and_owners_stay_text(write: Write, fmt: str) -> None:
    write(
        "s.yaml",
        STACK_HEAD + f'  - {{name: api, kind: inference-service, owner: "{HOSTILE}", model: m}}\n'
        f'  - {{name: m, kind: model, owner: o, version: "{HOSTILE}", environment: "{HOSTILE}"}}\n'
        "  - {name: mon, kind: monitor, owner: o, targets: [api]}\n",
    )
    result = trace("api", "s.yaml", "--no-config", "-f", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    for line in out.split("\n"):
        assert not line.startswith("::")
        assert not any(unicodedata.category(c) in {"Cc", "Cf", "Zl", "Zp"} for c in line), line
    assert "<b>" not in out or fmt != "markdown"
    if fmt == "markdown":
        rows = [line for line in out.splitlines() if line.startswith("| ")]
        assert {len(re.findall(r"(?<!\\)\|", row)) for row in rows} == {9}


def test_a_hub_is_cut_at_the_hop_limit_and_says_so(write: Write) -> None:
    jobs = "".join(
        f"  - {{name: job-{i}, kind: training-job, owner: o, datasets: [hub]}}\n"
        for i in range(620)
    )
    write("s.yaml", STACK_HEAD + "  - {name: hub, kind: dataset, owner: o}\n" + jobs)
    doc = json.loads(trace("hub", "s.yaml", "--no-config", "-f", "json").stdout)
    assert len(doc["downstream"]) == 500
    assert doc["truncated"] == {"upstream": 0, "downstream": 121}
    text = trace("hub", "s.yaml", "--no-config").stdout
    assert "  … and at least 121 more hops\n" in text
