"""Property-based: any manifest that loads gives a BOM valid against the
CycloneDX 1.6 schema, and that BOM reads back as the same stack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from stackpolicy.inputs import load_stack
from stackpolicy.output import cyclonedx
from stackpolicy.resources import display_path
from stackpolicy.stack import Stack
from tests.output.test_cyclonedx import valid_bom
from tests.test_properties import SETTINGS, from_schema, manifest_schema, mutated


def same(stack: Stack) -> dict[str, tuple[Any, ...]]:
    """Every field but `layer` (read back only for a custom kind, where it
    is needed), and the layer each component resolves to."""
    return {
        c.name: (c.kind, c.layer, {k: v for k, v in c.data.items() if k != "layer"})
        for c in stack.components
    }


@settings(SETTINGS, max_examples=40)
@given(document=from_schema(manifest_schema()))
def test_every_stack_round_trips_through_a_valid_bom(tmp_path: Path, document: Any) -> None:
    manifest = tmp_path / "stack.yaml"
    manifest.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    loaded = load_stack([manifest])
    if loaded.errors:
        return  # a duplicate name or a kind's wrong layer: no stack, no BOM
    text = cyclonedx.render(loaded.stack)
    valid_bom(text)
    bom = tmp_path / "stack.cdx.json"
    bom.write_text(text, encoding="utf-8")
    back = load_stack([bom])
    assert back.errors == ()
    assert same(back.stack) == same(loaded.stack)
    assert (back.stack.name, back.stack.org) == (loaded.stack.name, loaded.stack.org)
    assert cyclonedx.render(back.stack).count('"bom-ref"') == text.count('"bom-ref"')


@settings(SETTINGS, max_examples=60)
@given(data=st.data())
def test_a_mutated_bom_never_crashes_and_what_loads_writes_a_valid_bom(
    tmp_path: Path, data: st.DataObject
) -> None:
    """A BOM with one value anywhere replaced by arbitrary JSON (a hostile or
    broken BOM, another tool's odd one): reading it gives components or
    located errors, never an exception, and what loads is written validly."""
    document = data.draw(from_schema(manifest_schema()))
    manifest = tmp_path / "stack.yaml"
    manifest.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    loaded = load_stack([manifest])
    if loaded.errors:
        return
    broken = data.draw(mutated(json.loads(cyclonedx.render(loaded.stack))))
    bom = tmp_path / "stack.cdx.json"
    bom.write_text(json.dumps(broken), encoding="utf-8")
    back = load_stack([bom])
    assert {error.location.path for error in back.errors} <= {display_path(bom)}
    if not back.errors:
        valid_bom(cyclonedx.render(back.stack))
