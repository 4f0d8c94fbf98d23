"""CycloneDX BOMs as stack input: another tool's BOM, and what `stackpolicy bom`
wrote, read back with every component at its place in the BOM."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import OWNERS
from stackpolicy.cli import main
from stackpolicy.inputs import load_stack
from stackpolicy.inputs.cyclonedx import CycloneDXReader
from stackpolicy.inputs.files import InputFile
from stackpolicy.stack import Component, LoadedStack

Write = Callable[[str, str], Path]

# Another tool's AI-BOM (the shape Snyk's and cdxgen's have): a library it
# lists too, a model with a card, a dataset with a governance owner, a
# service, and two versions of one model.
THEIRS = """\
{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "metadata": {"component": {"type": "application", "name": "support-app"}},
  "components": [
    {"type": "library", "bom-ref": "pkg:pypi/torch@2.3", "name": "torch"},
    {
      "type": "machine-learning-model",
      "bom-ref": "model-1",
      "name": "Support LLM",
      "version": "2",
      "supplier": {"name": "meta"},
      "modelCard": {
        "modelParameters": {
          "task": "text-generation",
          "datasets": [{"ref": "data-1"}]
        }
      },
      "properties": [{"name": "cdx:huggingface:downloads", "value": "12"}]
    },
    {
      "type": "data",
      "bom-ref": "data-1",
      "name": "tickets",
      "data": [
        {"type": "dataset", "governance": {"owners": [{"organization": {"name": "support-data"}}]}}
      ]
    },
    {"type": "machine-learning-model", "bom-ref": "model-0", "name": "Support LLM", "version": "1"}
  ],
  "services": [{"bom-ref": "svc", "name": "chat", "provider": {"name": "vllm"}}],
  "dependencies": [
    {"ref": "svc", "dependsOn": ["model-1", "pkg:pypi/torch@2.3"]},
    {"ref": "model-1", "dependsOn": []}
  ]
}
"""


def load(*paths: str) -> LoadedStack:
    return load_stack([Path(p) for p in paths])


def at(component: Component, *field: str | int) -> tuple[int, int]:
    where = component.field_location(*field)
    return (where.line, where.column)


def test_another_tools_bom_becomes_models_datasets_and_services(write: Write) -> None:
    write("bom.json", THEIRS)
    loaded = load("bom.json")
    assert loaded.errors == ()
    stack = loaded.stack
    summary = [
        (c.name, c.kind, c.data.get("owner"), c.data.get("vendor")) for c in stack.components
    ]
    assert summary == [
        ("Support-LLM", "model", None, "meta"),
        ("tickets", "dataset", "support-data", None),
        ("Support-LLM-2", "model", None, None),
        ("chat", "inference-service", None, "vllm"),
    ]
    model, tickets, _, chat = stack.components
    assert model.data["datasets"] == ["tickets"]
    assert model.data["attributes"] == {
        "cyclonedx": {
            "type": "machine-learning-model",
            "bom-ref": "model-1",
            "properties": {"cdx:huggingface:downloads": "12"},
        },
        "task": "text-generation",
    }
    assert chat.data["depends_on"] == ["Support-LLM"]  # torch is no component of the stack
    assert stack.name is None  # another tool's metadata names its application, not the stack
    assert tickets.source == "cyclonedx"


@pytest.mark.parametrize(
    ("name", "field", "expected"),
    [
        ("Support-LLM", (), (10, 15)),
        ("Support-LLM", ("vendor",), (12, 28)),
        ("Support-LLM", ("version",), (11, 18)),
        ("Support-LLM", ("datasets", 0), (16, 32)),
        ("tickets", (), (24, 15)),
        ("tickets", ("owner",), (26, 81)),
        ("chat", (), (31, 43)),
        ("chat", ("depends_on", 0), (33, 34)),
    ],
)
def test_each_field_is_at_its_place_in_the_bom(
    write: Write, name: str, field: tuple[str | int, ...], expected: tuple[int, int]
) -> None:
    write("bom.json", THEIRS)
    component = load("bom.json").stack.by_name[name]
    assert at(component, *field) == expected


def test_findings_point_into_the_bom(write: Write) -> None:
    write("bom.json", THEIRS)
    result = CliRunner().invoke(main, ["check", "bom.json", "-p", OWNERS, "--fail-on", "note"])
    assert result.exit_code == 1, result.stderr
    assert "bom.json:31:43: warning T-OWN-001 chat (inference-service) has no owner" in (
        result.stdout
    )


OURS = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "metadata": {
        "properties": [
            {"name": "stackpolicy:stack-name", "value": "shop"},
            {"name": "stackpolicy:org", "value": "acme"},
        ]
    },
    "components": [
        {
            "type": "application",
            "bom-ref": "q",
            "name": "queue",
            "properties": [
                {"name": "stackpolicy:kind", "value": "message-bus"},
                {"name": "stackpolicy:layer", "value": "data-platform"},
                {"name": "stackpolicy:owner", "value": "data"},
                {"name": "stackpolicy:pii", "value": "true"},
                {"name": "stackpolicy:json:attributes", "value": '{"partitions": 12}'},
                {"name": "stackpolicy:label:tier", "value": "gold"},
                {"name": "stackpolicy:ref:depends_on", "value": "nowhere"},
                {"name": "stackpolicy:ref:orchestrated_by", "value": "airflow"},
                {"name": "stackpolicy:finding", "value": "error X: about a run"},
                {"name": "stackpolicy:found-by", "value": "terraform"},
            ],
        }
    ],
}


def test_our_properties_are_read_back_as_fields(write: Write) -> None:
    write("s.cdx.json", json.dumps(OURS, indent=2))
    loaded = load("s.cdx.json")
    assert loaded.errors == ()
    [queue] = loaded.stack.components
    assert dict(queue.data) == {
        "name": "queue",
        "kind": "message-bus",
        "layer": "data-platform",
        "owner": "data",
        "pii": True,
        "attributes": {"partitions": 12},
        "labels": {"tier": "gold"},
        "depends_on": ["nowhere"],
        "orchestrated_by": "airflow",
    }
    assert (loaded.stack.name, loaded.stack.org) == ("shop", "acme")
    # A dangling reference is a finding at the property that holds it.
    assert at(queue, "depends_on", 0) == (48, 20)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("{partitions", "is not a JSON value: Expecting property name"),
        ('{"a": 1, "a": 2}', "is not a JSON value: duplicate key 'a'"),
        ("[" * 70 + "]" * 70, "is not a JSON value: nested deeper than 64 levels"),
        ("[" * 100_000 + "]" * 100_000, "is not a JSON value: nested deeper than 64 levels"),
        ('{"n": 99999999999999999999}', "is not a JSON value: integer out of range"),
        ('{"n": 1e999}', "is not a JSON value: 1e999 is out of range"),
        ('{"n": NaN}', "is not a JSON value: NaN is not a number"),
        ('{"a\\u0000": 1}', "is not a JSON value: strings must not contain NUL"),
        ("{} {}", "is not a JSON value: Extra data"),
    ],
)
def test_a_json_property_is_read_as_a_manifest_value_is(
    write: Write, value: str, expected: str
) -> None:
    broken: dict[str, Any] = json.loads(json.dumps(OURS))
    broken["components"][0]["properties"][4]["value"] = value
    write("s.cdx.json", json.dumps(broken, indent=2))
    [error] = load("s.cdx.json").errors
    prefix = "s.cdx.json:40:20: property stackpolicy:json:attributes "
    assert str(error).startswith(prefix + expected), str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"bomFormat": "SPDX"}', "x.json:1:2: not a CycloneDX BOM: bomFormat must be 'CycloneDX'"),
        ("[1, 2]", "x.json:1:1: expected a CycloneDX BOM (a JSON object)"),
        ('{"bomFormat": "CycloneDX",\n "a": 1, "a": 2}', "x.json:2:10: duplicate key 'a'"),
        ('{"bomFormat": "CycloneDX", "x": [}', "x.json:1:34: invalid YAML"),
    ],
)
def test_a_json_file_named_on_its_own_must_be_a_bom(write: Write, text: str, expected: str) -> None:
    write("x.json", text)
    result = CliRunner().invoke(main, ["check", "x.json", "-p", OWNERS])
    assert result.exit_code == 2
    assert result.stderr.startswith(expected), result.stderr


def test_other_json_in_a_directory_is_not_ours(write: Write) -> None:
    write("stack/package.json", '{"name": "web", "dependencies": {}}')
    write("stack/broken.json", '{"bomFormat": ')  # looks like one, does not parse: skipped
    write("stack/main.tf.json", '{"resource": {}}')
    write("stack/ai.cdx.json", json.dumps(OURS))
    loaded = load("stack")
    assert loaded.errors == ()
    assert [c.name for c in loaded.stack.components] == ["queue"]
    assert loaded.stack.files == ("stack/ai.cdx.json",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"bomFormat": "CycloneDX", "x": [}', "stack/ai.json:1:34: invalid YAML"),
        ('{"bomFormat": "CycloneDX", "a": 1, "a": 2}', "stack/ai.json:1:36: duplicate key 'a'"),
    ],
)
def test_a_file_in_a_directory_that_claims_to_be_a_bom_must_read(
    write: Write, text: str, expected: str
) -> None:
    """Its head says it is a BOM: a BOM that does not read is an error at its
    place, not a file silently left out of the inventory."""
    write("stack/ai.json", text)
    write("stack/nested.json", '{"sbom": {"bomFormat": "CycloneDX"}}')  # claims, is not: skipped
    [error] = load("stack").errors
    assert str(error).startswith(expected), str(error)


def test_a_manifest_written_as_json_is_still_a_manifest(write: Write) -> None:
    manifest = {"apiVersion": "stackpolicy/v1", "kind": "Stack", "components": []}
    manifest["components"] = [{"name": "wh", "kind": "warehouse", "owner": "data"}]
    write("stack.json", json.dumps(manifest))
    loaded = load("stack.json")
    assert loaded.errors == ()
    assert [(c.name, c.source) for c in loaded.stack.components] == [("wh", "manifest")]


def test_a_file_with_a_name_no_reader_has_is_left_to_the_manifest_reader(write: Write) -> None:
    path = write("stack", json.dumps(OURS))
    read = CycloneDXReader().read(InputFile(path, "stack", explicit=True))
    assert (read.fragments, read.errors) == ((), ())


def test_nested_components_and_services_are_read(write: Write) -> None:
    bom = {
        "bomFormat": "CycloneDX",
        "components": [
            {
                "type": "application",
                "name": "app",
                "components": [{"type": "machine-learning-model", "name": "inner"}],
            }
        ],
        "services": [{"name": "api", "services": [{"name": "inner-api"}]}],
    }
    write("bom.json", json.dumps(bom))
    names = [(c.name, c.kind) for c in load("bom.json").stack.components]
    assert names == [
        ("inner", "model"),
        ("api", "inference-service"),
        ("inner-api", "inference-service"),
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("name", "a\nb"), "s.cdx.json:20:15: name: 'a\\nb' does not match"),
        ((2, "stackpolicy:owner", ""), "s.cdx.json:32:20: owner: '' should be non-empty"),
        ((1, "stackpolicy:layer", "moon"), "s.cdx.json:28:20: layer: 'moon' is not one of"),
        ((0, "stackpolicy:kind", "GPU box"), "s.cdx.json:24:20: kind: 'GPU box' is not valid"),
        ((9, "stackpolicy:colour", "red"), "s.cdx.json:20:15: component: Additional properties"),
    ],
)
def test_what_a_manifest_may_not_say_a_bom_may_not_either(
    write: Write, change: tuple[Any, ...], expected: str
) -> None:
    """A hostile or broken BOM is checked against the manifest schema, each
    error at the property it came from; the component is left out."""
    broken: dict[str, Any] = json.loads(json.dumps(OURS))
    queue = broken["components"][0]
    if change[0] == "name":
        queue["name"] = change[1]
    else:
        queue["properties"][change[0]] = {"name": change[1], "value": change[2]}
    write("s.cdx.json", json.dumps(broken, indent=2))
    loaded = load("s.cdx.json")
    assert [str(e)[: len(expected)] for e in loaded.errors] == [expected]
    assert loaded.stack.components == ()


def test_sarif_regions_are_in_the_bom(write: Write) -> None:
    write("bom.json", THEIRS)
    result = CliRunner().invoke(main, ["check", "bom.json", "-p", OWNERS, "-f", "sarif"])
    results = json.loads(result.stdout)["runs"][0]["results"]
    regions = sorted(
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            r["locations"][0]["physicalLocation"]["region"]["startColumn"],
        )
        for r in results
    )
    assert regions == [("bom.json", 10, 15), ("bom.json", 29, 70), ("bom.json", 31, 43)]


def test_surrogate_pair_escapes_are_read(write: Write) -> None:
    """Python's json.dumps writes an emoji as `\\ud83d\\ude00`; YAML, which
    composes the JSON, has no surrogates. An escaped backslash stays text."""
    bom = {
        "bomFormat": "CycloneDX",
        "components": [
            {"type": "data", "name": "d", "description": "\U0001f600 ok \\ud83d\\ude00"}
        ],
    }
    write("bom.json", json.dumps(bom))  # ensure_ascii: the emoji as a pair
    loaded = load("bom.json")
    assert loaded.errors == ()
    assert loaded.stack.components[0].data["description"] == "\U0001f600 ok \\ud83d\\ude00"
