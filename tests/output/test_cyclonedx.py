"""The CycloneDX writer: every BOM written here is validated against the
official CycloneDX 1.6 JSON schema (shipped by cyclonedx-python-lib, with the
SPDX and JSF schemas it references)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from conftest import STACK_HEAD
from stackpolicy import __version__
from stackpolicy.findings import Finding
from stackpolicy.inputs import load_stack
from stackpolicy.location import Location
from stackpolicy.output import cyclonedx
from stackpolicy.stack import Stack

Write = Callable[[str, str], Path]
_SCHEMAS = {
    "bom-1.6.SNAPSHOT.schema.json": "http://cyclonedx.org/schema/bom-1.6.schema.json",
    "spdx.SNAPSHOT.schema.json": "http://cyclonedx.org/schema/spdx.schema.json",
    "jsf-0.82.SNAPSHOT.schema.json": "http://cyclonedx.org/schema/jsf-0.82.schema.json",
}


@cache
def bom_validator() -> Draft7Validator:
    """The 1.6 schema; its `$ref`s to spdx.schema.json and jsf-0.82.schema.json
    resolve to the copies beside it, never to the network."""
    folder = files("cyclonedx.schema").joinpath("_res")
    loaded = {uri: json.loads(folder.joinpath(name).read_text()) for name, uri in _SCHEMAS.items()}
    registry: Registry[Any] = Registry().with_resources(
        (uri, Resource.from_contents(schema)) for uri, schema in loaded.items()
    )
    schema = loaded[_SCHEMAS["bom-1.6.SNAPSHOT.schema.json"]]
    return Draft7Validator(schema, registry=registry, format_checker=Draft7Validator.FORMAT_CHECKER)


def valid_bom(text: str) -> dict[str, Any]:
    """The BOM, after checking it against the CycloneDX 1.6 schema."""
    document = json.loads(text)
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in bom_validator().iter_errors(document)
    ]
    assert errors == [], errors[:5]
    assert len(_refs(document)) == len(set(_refs(document))), "bom-refs must be unique"
    return dict(document)


def _refs(document: dict[str, Any]) -> list[str]:
    entries = [*document.get("components", []), *document.get("services", [])]
    return [e["bom-ref"] for e in entries]


def stack_of(write: Write, body: str) -> Stack:
    write("s.yaml", STACK_HEAD + body)
    loaded = load_stack([Path("s.yaml")])
    assert loaded.errors == ()
    return loaded.stack


def props(entry: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["name"], p["value"]) for p in entry.get("properties", [])]


def by_name(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    entries = [*document.get("components", []), *document.get("services", [])]
    return {e["name"]: e for e in entries}


LINEAGE = """\
  - name: tickets
    kind: dataset
    owner: support-data
    pii: true
  - name: base
    kind: model
    vendor: meta
    version: llama-3.1-8b
  - name: tune
    kind: fine-tuning-job
    owner: support-eng
    base_model: base
    datasets: [tickets, nowhere]
  - name: chat-model
    kind: model
    owner: support-eng
    trained_by: tune
    labels: {task: text-generation, tier: gold}
  - name: chat
    kind: inference-service
    owner: support-eng
    vendor: vllm
    model: chat-model
    depends_on: [vectors]
  - name: vectors
    kind: vector-store
    owner: support-eng
    environment: production
    attributes: {dimensions: 768, metric: cosine}
  - name: queue
    kind: message-bus
    layer: data-platform
"""


def test_a_bom_of_every_kind_of_component_is_valid_cyclonedx_1_6(write: Write) -> None:
    document = valid_bom(cyclonedx.render(stack_of(write, LINEAGE)))
    assert (document["bomFormat"], document["specVersion"], document["version"]) == (
        "CycloneDX",
        "1.6",
        1,
    )
    entries = by_name(document)
    types = {name: entry.get("type", "service") for name, entry in entries.items()}
    assert types == {
        "tickets": "data",
        "base": "machine-learning-model",
        "tune": "application",
        "chat-model": "machine-learning-model",
        "vectors": "platform",
        "queue": "application",
        "chat": "service",
    }
    assert [s["name"] for s in document["services"]] == ["chat"]


def test_a_model_card_says_what_the_manifest_knows(write: Write) -> None:
    entries = by_name(valid_bom(cyclonedx.render(stack_of(write, LINEAGE))))
    # Datasets and base model come from the job that trained it; `nowhere`
    # dangles (a finding), so the card does not point at it.
    assert entries["chat-model"]["modelCard"] == {
        "modelParameters": {
            "task": "text-generation",
            "datasets": [{"ref": "stackpolicy:component:tickets"}],
        },
        "properties": [{"name": "base_model", "value": "base"}],
    }
    assert "modelCard" not in entries["base"]  # nothing known: no card
    assert entries["base"]["supplier"] == {"name": "meta"}
    assert entries["base"]["version"] == "llama-3.1-8b"
    assert "modelCard" not in entries["tune"]


def test_a_dataset_names_its_governance_owner(write: Write) -> None:
    tickets = by_name(valid_bom(cyclonedx.render(stack_of(write, LINEAGE))))["tickets"]
    assert tickets["data"] == [
        {
            "type": "dataset",
            "name": "tickets",
            "governance": {"owners": [{"organization": {"name": "support-data"}}]},
        }
    ]
    assert ("stackpolicy:pii", "true") in props(tickets)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "vectors",
            [
                ("stackpolicy:kind", "vector-store"),
                ("stackpolicy:layer", "features-embeddings"),
                ("stackpolicy:owner", "support-eng"),
                ("stackpolicy:environment", "production"),
                ("stackpolicy:json:attributes", '{"dimensions": 768, "metric": "cosine"}'),
            ],
        ),
        (
            "queue",
            [("stackpolicy:kind", "message-bus"), ("stackpolicy:layer", "data-platform")],
        ),
        (
            "chat-model",
            [
                ("stackpolicy:kind", "model"),
                ("stackpolicy:layer", "training"),
                ("stackpolicy:owner", "support-eng"),
                ("stackpolicy:ref:trained_by", "tune"),
                ("stackpolicy:label:task", "text-generation"),
                ("stackpolicy:label:tier", "gold"),
            ],
        ),
        (
            "chat",
            [
                ("stackpolicy:kind", "inference-service"),
                ("stackpolicy:layer", "inference"),
                ("stackpolicy:owner", "support-eng"),
                ("stackpolicy:ref:model", "chat-model"),
                ("stackpolicy:ref:depends_on", "vectors"),
                ("stackpolicy:declared-at", "s.yaml:23:11"),
            ],
        ),
    ],
)
def test_properties_carry_what_cyclonedx_has_no_field_for(
    write: Write, name: str, expected: list[tuple[str, str]]
) -> None:
    entries = by_name(valid_bom(cyclonedx.render(stack_of(write, LINEAGE))))
    assert props(entries[name]) == expected


def test_dependencies_come_from_every_reference_that_resolves(write: Write) -> None:
    document = valid_bom(cyclonedx.render(stack_of(write, LINEAGE)))
    ref = cyclonedx.component_ref
    assert document["dependencies"] == [
        {"ref": ref("tickets")},
        {"ref": ref("base")},
        {"ref": ref("tune"), "dependsOn": [ref("base"), ref("tickets")]},
        {"ref": ref("chat-model"), "dependsOn": [ref("tune")]},
        {"ref": ref("vectors")},
        {"ref": ref("queue")},
        {"ref": ref("chat"), "dependsOn": [ref("chat-model"), ref("vectors")]},
    ]
    # The dangling `nowhere` survives as a property, for the round trip.
    assert ("stackpolicy:ref:datasets", "nowhere") in props(by_name(document)["tune"])


def test_evidence_says_where_each_component_was_declared(write: Write) -> None:
    entries = by_name(valid_bom(cyclonedx.render(stack_of(write, LINEAGE))))
    lines = {
        name: [(o["location"], o["line"]) for o in e["evidence"]["occurrences"]]
        for name, e in entries.items()
        if "evidence" in e
    }
    assert lines == {
        "tickets": [("s.yaml", 5)],
        "base": [("s.yaml", 9)],
        "tune": [("s.yaml", 13)],
        "chat-model": [("s.yaml", 18)],
        "vectors": [("s.yaml", 29)],
        "queue": [("s.yaml", 34)],
    }


def test_metadata_names_the_stack_the_org_and_the_tool(write: Write) -> None:
    metadata = valid_bom(cyclonedx.render(stack_of(write, LINEAGE)))["metadata"]
    assert "timestamp" not in metadata
    assert metadata["tools"] == {
        "components": [{"type": "application", "name": "stackpolicy", "version": __version__}]
    }
    assert metadata["component"] == {
        "type": "application",
        "bom-ref": "stackpolicy:stack",
        "name": "test",
    }
    assert metadata["supplier"] == {"name": "test"}
    assert props(metadata) == [("stackpolicy:stack-name", "test"), ("stackpolicy:org", "test")]


def test_the_serial_number_is_the_same_for_the_same_stack_and_only_then(write: Write) -> None:
    first = valid_bom(cyclonedx.render(stack_of(write, LINEAGE)))["serialNumber"]
    again = valid_bom(cyclonedx.render(stack_of(write, LINEAGE)))["serialNumber"]
    changed = LINEAGE.replace("owner: support-data", "owner: data-gov")
    other = valid_bom(cyclonedx.render(stack_of(write, changed)))["serialNumber"]
    assert first == again != other
    assert first.startswith("urn:uuid:") and first[9:].split("-")[2][0] == "5"  # uuid5


def test_a_timestamp_only_when_asked(write: Write) -> None:
    when = cyclonedx.timestamp_from_epoch(1_700_000_000)
    assert when == datetime(2023, 11, 14, 22, 13, 20, tzinfo=timezone.utc)
    document = valid_bom(cyclonedx.render(stack_of(write, LINEAGE), timestamp=when))
    assert document["metadata"]["timestamp"] == "2023-11-14T22:13:20Z"


def test_findings_become_properties_of_their_component_or_of_the_bom(write: Write) -> None:
    stack = stack_of(write, LINEAGE)
    about_base = Finding(
        "T-OWN-001",
        "warning",
        "base has no owner",
        Location("s.yaml", 5, 11),
        "base",
        "training",
        "owner",
    )
    about_stack = Finding("SP-X", "note", "one\nline", Location("s.yaml", 4, 1), None, "", "x")
    document = valid_bom(cyclonedx.render(stack, [about_base, about_stack]))
    assert ("stackpolicy:finding", "warning T-OWN-001: base has no owner (s.yaml:5:11)") in props(
        by_name(document)["base"]
    )
    # Input text in a finding stays one line.
    assert props(document["metadata"])[-2:] == [
        ("stackpolicy:finding", "note SP-X: one\\nline (s.yaml:4:1)"),
        ("stackpolicy:findings", "included"),
    ]


def test_hostile_names_stay_data(write: Write) -> None:
    body = '  - {name: "a", kind: model, owner: "x\\u202e\\n\\"}]}", vendor: "<script>"}\n'
    document = valid_bom(cyclonedx.render(stack_of(write, body)))
    [model] = document["components"]
    assert ("stackpolicy:owner", 'x\u202e\n"}]}') in props(model)
    assert model["supplier"] == {"name": "<script>"}


def test_an_empty_stack_is_a_valid_bom(write: Write) -> None:
    write("s.yaml", "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents: []\n")
    loaded = load_stack([Path("s.yaml")])
    document = valid_bom(cyclonedx.render(loaded.stack))
    assert "components" not in document and "dependencies" not in document


def test_the_validator_rejects_what_cyclonedx_does_not_allow(write: Write) -> None:
    document = json.loads(cyclonedx.render(stack_of(write, LINEAGE)))
    document["components"][0]["modelCard"] = {"modelParameters": {"task": 3}}
    errors = list(bom_validator().iter_errors(document))
    assert errors, "the schema must catch a model card's wrong type"
    document = json.loads(cyclonedx.render(stack_of(write, LINEAGE)))
    document["serialNumber"] = "urn:uuid:not-a-uuid"
    assert list(bom_validator().iter_errors(document))


def test_hidden_characters_are_escapes_in_the_text_and_the_same_strings_in_the_data(
    write: Write,
) -> None:
    """A bidi override, DEL, a C1 control, a line separator and a tag character
    (astral) are written as JSON escapes, so no viewer reorders or hides the
    BOM; a JSON reader, and stackpolicy reading the BOM back, get them as they were."""
    owner = "a\u202eb\x7fc\x85d\u2028e\U000e0041f\U0001f600g\ufffeh"
    body = f'  - {{name: m, kind: model, owner: "{owner.encode("unicode_escape").decode()}"}}\n'
    stack = stack_of(write, body)
    assert stack.components[0].data["owner"] == owner
    text = cyclonedx.render(stack)
    assert not {"\u202e", "\x7f", "\x85", "\u2028", "\U000e0041", "\ufffe"} & set(text)
    assert "\\u202e" in text and "\\udb40\\udc41" in text and "\U0001f600" in text
    [model] = valid_bom(text)["components"]
    assert ("stackpolicy:owner", owner) in props(model)
    Path("back.cdx.json").write_text(text, encoding="utf-8")
    back = load_stack([Path("back.cdx.json")])
    assert back.errors == ()
    assert back.stack.components[0].data["owner"] == owner
