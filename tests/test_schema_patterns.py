"""Every `pattern` in the bundled schemas means the same in Python's `re`
(jsonschema) and in ECMA-262 (editors): a value that matches, followed by a
newline, must not (Python's `$` matches before a final newline)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import STACK_HEAD
from stackpolicy.cli import main
from stackpolicy.resources import SCHEMA_FILES, schema

Write = Callable[[str, str], Path]


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


PATTERNS = sorted({p for name in SCHEMA_FILES for p in patterns(schema(name))})


def test_the_schemas_have_patterns() -> None:
    assert len(PATTERNS) >= 5


@pytest.mark.parametrize("pattern", PATTERNS)
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_a_final_newline_does_not_match(pattern: str, data: st.DataObject) -> None:
    value = data.draw(st.from_regex(pattern, fullmatch=True))
    assert re.search(pattern, value)
    for suffix in ("\n", "\r\n", "\nx"):
        assert not re.search(pattern, value + suffix), repr(value + suffix)


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node for ECMA-262 regexes")
@pytest.mark.parametrize("pattern", PATTERNS)
def test_ecma_262_agrees(pattern: str) -> None:
    samples = {
        "^[0-9]{4}-[0-9]{2}-[0-9]{2}": "2025-01-31",
        "^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+": "SP-INF-001",
        "^[A-Za-z_][A-Za-z0-9_]*": "max_items",
        "^[A-Za-z0-9][A-Za-z0-9._/-]{0,252}": "svc/a.b",
        "^[a-z][a-z0-9-]{0,62}": "gpu-pool",
        "^[a-z][a-z0-9_-]*": "pinecone_index",
        "^[a-z][a-z0-9-]*$": "tabular-ml",
        "^[a-z0-9][a-z0-9._/-]*": "qdrant/qdrant",
        "^(terraform|kubernetes|compose|backstage|cyclonedx):": "cyclonedx:pkg:hf/meta/llama@3",
    }
    [value] = [v for prefix, v in samples.items() if pattern.startswith(prefix)]
    values = [value, value + "\n", value + "\r\n", value + "\nx", "\n" + value]
    script = (
        "const [p, ...vs] = JSON.parse(process.argv[1]);"
        "const r = new RegExp(p, 'u');"
        "console.log(JSON.stringify(vs.map((v) => r.test(v))));"
    )
    out = subprocess.run(
        ["node", "-e", script, json.dumps([pattern, *values])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    python = [re.search(pattern, v) is not None for v in values]
    assert json.loads(out) == python == [True, False, False, False, False]


def test_a_name_with_a_final_newline_is_not_a_second_name(write: Write) -> None:
    write(
        "s.yaml", STACK_HEAD + '  - {name: svc, kind: stream}\n  - {name: "svc\\n", kind: stream}\n'
    )
    result = CliRunner().invoke(main, ["validate", "s.yaml", "--no-config"])
    assert result.exit_code == 2
    assert result.stderr == (
        "s.yaml:6:12: components[1].name: 'svc\\n' does not match "
        "'^[A-Za-z0-9][A-Za-z0-9._/-]{0,252}$'\n"
    )
