"""The JSON and SARIF formats write the same bytes whichever encoder renders
them: orjson where it can, json.dumps(indent=2, ensure_ascii=False) for the rest."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackpolicy.output.json import dumps

# What a report holds: strings, integers, booleans, null, lists and objects
# (no floats: orjson writes 1e16 where json writes 1e+16).
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)

NASTY = [
    "",
    'quote " and backslash \\',
    "controls \x00\x01\x1f\x7f \b\f\n\r\t",
    "line separators \u2028\u2029",
    "non-ASCII é ß 漢字 🙂",
    "\ud800 a lone surrogate",
    "<script>&amp;</script>",
]


def expected(document: Any) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False)


@given(document=st.dictionaries(st.text(), values, max_size=6))
def test_orjson_and_json_write_the_same_bytes(document: dict[str, Any]) -> None:
    assert dumps(document) == expected(document)


def test_the_strings_that_encoders_disagree_on_are_written_as_json_writes_them() -> None:
    document: dict[str, Any] = {
        "findings": [{"message": text, "line": 1, "waived": None} for text in NASTY],
        "empty": {"list": [], "object": {}},
        "big": 2**70,  # beyond orjson's 64 bits: json writes it
    }
    assert dumps(document) == expected(document)
    del document["big"]
    assert dumps(document) == expected(document)


def test_without_orjson_json_writes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "orjson", None)  # `import orjson` raises ImportError
    document: dict[str, Any] = {"findings": [{"message": text} for text in NASTY], "n": 2**70}
    assert dumps(document) == expected(document)
