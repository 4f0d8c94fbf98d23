"""`discover`'s YAML writes every value so that it reads back as it was,
nested ones (a BOM's `attributes.cyclonedx`) too, and no text becomes YAML."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from stackpolicy.output.discover_yaml import flow, scalar


@pytest.mark.parametrize(
    "value",
    [
        {"type": "machine-learning-model", "bom-ref": "pkg:hf/a@1", "n": 3, "ok": True},
        {"properties": {"cdx:x": "1"}, "tags": ["a", "b: c", "- d"], "none": None},
        {"evil": 'x"\n- injected: true\u2028#', "}{": "]["},
        [1.5, 1e20, -2.5e-7, 0.0, float("inf"), -float("inf")],
        [[], {}, [{}], "", "null", "true", "0x10"],
    ],
)
def test_a_nested_value_reads_back_as_it_was(value: Any) -> None:
    text = flow(value)
    assert "\n" not in text and "\u2028" not in text
    assert yaml.safe_load(f"x: {text}\n") == {"x": value}


def test_nan_reads_back_as_nan() -> None:
    [back] = yaml.safe_load(f"[{scalar(float('nan'))}]")
    assert back != back
