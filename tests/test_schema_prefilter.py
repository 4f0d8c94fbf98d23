"""The schema prefilter (fastjsonschema) never accepts what jsonschema rejects.

`schema_errors` trusts the prefilter's "valid" and asks jsonschema only about
a document the prefilter rejects, so a document the prefilter wrongly accepted
would pass unchecked. Differential fuzzing: real documents of every bundled
schema (the library, its tests, the examples) and documents generated from
the schemas, mutated at random, must never be accepted by the prefilter while
jsonschema finds an error.
"""

from __future__ import annotations

import math
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from conftest import EXAMPLES, ROOT, STACK_HEAD, examples
from stackpolicy.resources import SCHEMA_FILES, bundled_policies
from stackpolicy.schemacheck import _inlined, accepts, validator
from stackpolicy.yamlload import load_file

# (schema, $defs entry) pairs the code validates against.
TARGETS = [
    *((name, "") for name in SCHEMA_FILES),
    ("config", "rules"),
    ("discovery-mapping", "entry"),
]

# Values that split validators: bool against 1, 1.0 against integer, strings
# that end in a newline against `$`, characters that Python's `\s` matches and
# other regex engines do not (U+001C..U+001F), lengths at the bounds, NaN.
NASTY: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    0.05,
    0.1,
    10.0,
    10.5,
    2**70,
    float("nan"),
    float("inf"),
    "",
    " ",
    "x",
    "x\n",
    "\nx",
    "x\r\n",
    "a\x1cb",
    "a\u2028b",
    "a b",
    "é",
    "A" * 253,
    "a" * 254,
    "SP-X-001",
    "SP-X-001\n",
    "2026-01-31",
    "2026-01-31\n",
    "terraform:a\x1fb",
    "terraform:a.b",
    "kubernetes:a b",
    "stackpolicy/v1",
    "error",
    "model",
    "not a uri",
    [],
    [1, True],
    [1, 1.0],
    ["a", "a"],
    ["a", "a\n"],
    {},
    {"a": 1},
    {"": None},
]
json_values = st.recursive(
    st.sampled_from(NASTY) | st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
KINDS = {"PolicySet": "policy", "Stack": "manifest"}
SUFFIXES = ["\n", "\r\n", "\x1c", "\x1f", "\u2028", " ", "\t", "é", "-", "/", ".", "A", "_"]


@st.composite
def mutated(draw: st.DrawFn, document: Any, names: tuple[str, ...]) -> Any:
    """The document with one change somewhere: a value nudged (a string
    extended, a number's type swapped) or replaced, a key removed or added
    (often one the schema knows), an item repeated. Most changes are small,
    so many results sit just either side of what the schema allows."""
    if isinstance(document, dict) and document and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(sorted(document)))
        return {**document, key: draw(mutated(document[key], names))}
    if isinstance(document, list) and document and draw(st.integers(0, 3)):
        index = draw(st.integers(0, len(document) - 1))
        item = draw(mutated(document[index], names))
        return [*document[:index], item, *document[index + 1 :]]
    return draw(st.one_of(*changes(document, names)))


def changes(document: Any, names: tuple[str, ...]) -> list[st.SearchStrategy[Any]]:
    """The changes that fit a value of this type, then any value at all."""
    found: list[st.SearchStrategy[Any]] = []
    if isinstance(document, dict) and document:
        found.append(
            st.sampled_from(sorted(document)).map(
                lambda drop: {k: v for k, v in document.items() if k != drop}
            )
        )
    if isinstance(document, dict):
        value = st.sampled_from(NASTY) | json_values
        found.append(
            st.tuples(st.sampled_from(names) | st.text(max_size=6), value).map(
                lambda kv: {**document, kv[0]: kv[1]}
            )
        )
    if isinstance(document, list) and document:
        found.append(st.sampled_from(document).map(lambda item: [*document, item]))
        found.append(st.just([]))
    if isinstance(document, str):
        found.append(st.sampled_from(SUFFIXES).map(lambda end: document + end))
        found.append(st.sampled_from(SUFFIXES).map(lambda start: start + document))
    if isinstance(document, (bool, int, float)) and math.isfinite(document):
        found.append(st.sampled_from([True, False, 0, 1, float(document), int(document) + 1]))
        found.append(st.just(str(document)))
    return [*found, st.sampled_from(NASTY), json_values]


def property_names(node: Any) -> set[str]:
    """Every property name the schema mentions, so mutations add known keys too."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
            found |= property_names(value)
    elif isinstance(node, list):
        for item in node:
            found |= property_names(item)
    return found


@cache
def real_documents() -> dict[tuple[str, str], list[Any]]:
    """Documents from the repository, by the schema (and part) they must match."""
    found: dict[tuple[str, str], list[Any]] = {target: [] for target in TARGETS}
    library = sorted(bundled_policies().rglob("*.yaml"))
    for path in library:
        for doc in load_file(path, str(path)):
            data = doc.data
            if path.parent.name == "profiles" and not path.stem.endswith("_test"):
                found["profile", ""].append(data)
                found["config", "rules"].append(data.get("rules", {}))
            elif data["kind"] == "PolicyTest":
                found["policy-test", ""].append(data)
                defaults = {"apiVersion": "stackpolicy/v1", "kind": "Stack"}
                found["manifest", ""] += [
                    {**defaults, **c["stack"]} for c in data["cases"] if "stack" in c
                ]
            else:
                found[KINDS[data["kind"]], ""].append(data)
    for path in sorted(EXAMPLES.rglob("*.yaml")):
        if "templates" in path.parts:
            continue  # a Helm template is not YAML until rendered
        for doc in load_file(path, str(path), tolerant=True):
            if isinstance(doc.data, dict) and doc.data.get("apiVersion") == "stackpolicy/v1":
                found["manifest", ""].append(doc.data)
    mapping = ROOT / "src" / "stackpolicy" / "discovery" / "mapping.yaml"
    [doc] = load_file(mapping, str(mapping))
    found["discovery-mapping", ""].append(doc.data)
    found["discovery-mapping", "entry"] += doc.data["entries"]
    return found


@cache
def generated_schema(name: str, part: str) -> dict[str, Any]:
    """The inlined schema, small enough for hypothesis-jsonschema to generate from."""
    inlined: dict[str, Any] = _inlined(name, part)
    inlined.pop("$schema", None)
    inlined.pop("$id", None)
    return inlined


def test_the_repository_has_documents_for_every_schema_except_config_and_waivers() -> None:
    empty = {target for target, docs in real_documents().items() if not docs}
    assert empty == {("config", ""), ("waivers", "")}  # these come from the schema alone


@pytest.mark.parametrize(("name", "part"), TARGETS)
def test_every_real_document_passes_the_prefilter(name: str, part: str) -> None:
    """So a clean run never needs jsonschema: the fast path is taken."""
    for data in real_documents()[name, part]:
        assert validator(name, part).is_valid(data)
        assert accepts(name, part, data)


@pytest.mark.parametrize(("name", "part"), TARGETS)
@settings(
    max_examples=examples(400),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data())
def test_the_prefilter_never_accepts_what_jsonschema_rejects(
    name: str, part: str, data: st.DataObject
) -> None:
    real = real_documents()[name, part]
    # hypothesis-jsonschema is slow on the larger schemas: it seeds only those
    # the repository has no document for.
    seeds = st.sampled_from(real) if real else from_schema(generated_schema(name, part))
    document = data.draw(seeds)
    names = tuple(sorted(property_names(generated_schema(name, part)))) or ("x",)
    for _ in range(data.draw(st.integers(1, 2))):
        document = data.draw(mutated(document, names))
    accepted = accepts(name, part, document)
    valid = validator(name, part).is_valid(document)
    # pytest --hypothesis-show-statistics: how close to the boundary the fuzz runs
    event(f"prefilter {'accepts' if accepted else 'rejects'}, jsonschema {valid=}")
    assert valid or not accepted, document


PATTERN_CASES = [
    ("manifest", {"name": "a", "kind": "model", "source": "terraform:a\x1cb"}),
    ("manifest", {"name": "a", "kind": "model", "source": "terraform:a.b\n"}),
    ("manifest", {"name": "a\n", "kind": "model"}),
    ("manifest", {"name": "a", "kind": "Model"}),
    ("manifest", {"name": "a", "kind": "my-kind\n"}),
    ("manifest", {"name": "a" * 254, "kind": "model"}),
    ("manifest", {"name": "a", "kind": "model", "depends_on": ["b", "b"]}),
    ("manifest", {"name": "a", "kind": "model", "pii": 1}),
]


@pytest.mark.parametrize(("name", "component"), PATTERN_CASES)
def test_the_cases_that_split_regex_engines_are_rejected_by_both(
    name: str, component: dict[str, Any]
) -> None:
    """Patterns end in `$(?!\\n)`, which fastjsonschema rewrites to `\\Z(?!\\n)`;
    `[^\\s]` is Python's `\\s`, which includes U+001C..U+001F (jsonschema-rs's
    Rust regex does not, which is why the prefilter is not jsonschema-rs)."""
    document = {"apiVersion": "stackpolicy/v1", "kind": "Stack", "components": [component]}
    assert not validator(name).is_valid(document)
    assert not accepts(name, "", document)


def test_a_clean_check_never_imports_jsonschema(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from stackpolicy.cli import main\n"
        "try:\n"
        "    main(['check', sys.argv[1], '--no-config', '--format', 'json'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write(str(sorted(m for m in sys.modules if m.startswith('jsonschema'))))\n"
    )
    clean = str(EXAMPLES / "clean")
    done = subprocess.run(
        [sys.executable, "-c", script, clean], capture_output=True, text=True, check=True
    )
    assert done.stderr == "[]"
    # and a broken manifest does import it, to word the errors
    broken = tmp_path / "broken.yaml"
    broken.write_text(STACK_HEAD + "  - {name: a, kind: model, owner: 3}\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", script, str(broken)], capture_output=True, text=True, check=True
    )
    assert "jsonschema" in done.stderr
