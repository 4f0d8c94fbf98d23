from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from stackpolicy.cli import main
from stackpolicy.vocabulary import KIND_LAYER, LAYERS


@pytest.mark.parametrize("name", ["manifest", "policy"])
def test_schema_prints_a_valid_draft_2020_12_schema(name: str) -> None:
    result = CliRunner().invoke(main, ["schema", name])
    assert result.exit_code == 0
    Draft202012Validator.check_schema(json.loads(result.stdout))


def test_manifest_schema_matches_the_vocabulary() -> None:
    schema = json.loads(CliRunner().invoke(main, ["schema", "manifest"]).stdout)
    component = schema["$defs"]["component"]["properties"]
    assert component["kind"]["anyOf"][0]["enum"] == sorted(KIND_LAYER)
    assert component["layer"]["enum"] == list(LAYERS)


def test_required_kinds_exist_and_every_layer_has_several() -> None:
    required = {
        "warehouse",
        "stream",
        "dataset",
        "vector-store",
        "feature-store",
        "model",
        "training-job",
        "inference-service",
        "orchestrator",
        "monitor",
        "guardrail",
    }
    assert required <= set(KIND_LAYER)
    for layer in LAYERS:
        assert sum(1 for v in KIND_LAYER.values() if v == layer) >= 3, layer


def _manifest(component: dict[str, str]) -> dict[str, object]:
    return {"apiVersion": "stackpolicy/v1", "kind": "Stack", "components": [component]}


@pytest.mark.parametrize(
    ("component", "valid"),
    [
        ({"name": "a", "kind": "vector-store"}, True),
        ({"name": "a", "kind": "vector-stor"}, False),  # a typo is no custom kind
        ({"name": "a", "kind": "gpu-pool", "layer": "training"}, True),
        ({"name": "a", "kind": "vector-store", "layer": "features-embeddings"}, True),
    ],
)
def test_an_editor_catches_a_custom_kind_without_a_layer(
    component: dict[str, str], valid: bool
) -> None:
    """Validated by jsonschema itself, as an editor's language server would."""
    schema = json.loads(CliRunner().invoke(main, ["schema", "manifest"]).stdout)
    errors = list(Draft202012Validator(schema).iter_errors(_manifest(component)))
    assert (not errors) == valid, errors


def test_kind_completions_describe_their_layer() -> None:
    schema = json.loads(CliRunner().invoke(main, ["schema", "manifest"]).stdout)
    kinds = schema["$defs"]["component"]["properties"]["kind"]["anyOf"][0]
    for name in ("enumDescriptions", "markdownEnumDescriptions"):
        described = dict(zip(kinds["enum"], kinds[name], strict=True))
        for kind, text in described.items():
            assert f"(`{KIND_LAYER[kind]}`)" in text and LAYERS[KIND_LAYER[kind]] in text
