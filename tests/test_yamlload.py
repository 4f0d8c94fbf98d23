from __future__ import annotations

from pathlib import Path

import pytest

from stackpolicy.errors import YamlError
from stackpolicy.location import Location
from stackpolicy.yamlload import MAX_ALIAS_NODES, Document, load_documents, read_text


def test_spans_are_one_based_with_ends() -> None:
    [doc] = load_documents("a:\n  b: hello\n  c: [1, 2]\n", "f.yaml")
    assert doc.data == {"a": {"b": "hello", "c": [1, 2]}}
    assert doc.locate(("a", "b")) == Location("f.yaml", 2, 6, 2, 11)
    assert doc.locate_key(("a", "b")) == Location("f.yaml", 2, 3, 2, 4)
    assert doc.locate(("a", "c", 1)) == Location("f.yaml", 3, 10, 3, 11)
    # A missing path falls back to its nearest located ancestor.
    assert doc.locate(("a", "zzz")).line == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("d: 2026-01-31\n", {"d": "2026-01-31"}),  # dates stay strings
        ("on: yes\n", {"on": True}),  # keys stay as written
        ("n: ~\n", {"n": None}),
        ("f: 1.5\n", {"f": 1.5}),
        ("i: 0x10\n", {"i": 16}),
        ("s: '5'\n", {"s": "5"}),
    ],
)
def test_scalars(text: str, expected: dict[str, object]) -> None:
    [doc] = load_documents(text, "f.yaml")
    assert doc.data == expected


def test_crlf_positions() -> None:
    [doc] = load_documents("a: 1\r\nb:\r\n  c: x\r\n", "f.yaml")
    assert doc.locate(("b", "c")) == Location("f.yaml", 3, 6, 3, 7)


def test_multi_document() -> None:
    docs = load_documents("a: 1\n---\nb: 2\n", "f.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": 2}]
    assert docs[1].locate(("b",)).line == 3


def test_aliases_are_shared_not_copied() -> None:
    [doc] = load_documents("a: &x {k: v}\nb: *x\n", "f.yaml")
    assert doc.data["a"] is doc.data["b"]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("a: 1\na: 2\n", (2, 1), "duplicate key 'a' (first defined at line 1)"),
        ("a:\n\t- b\n", (2, 1), "a tab: YAML indentation must use spaces"),
        ("a: 'open\n", (2, 1), "while scanning a quoted scalar at line 1, column 4"),
        ("a: !!python/object/apply:os.system [ls]\n", (1, 4), "unsupported YAML tag"),
        ("a: !Ref x\n", (1, 4), "unsupported YAML tag !Ref"),
        ("b: &b {x: 1}\na:\n  <<: *b\n", (3, 3), "merge keys"),
        ("? [a, b]\n: 1\n", (1, 3), "mapping keys must be plain strings"),
        ("a: &a [*a]\n", (1, 4), "recursive YAML alias"),
        ("a: 9223372036854775808\n", (1, 4), "integer out of range"),
        ("a: " + "[" * 70 + "]" * 70 + "\n", (1, 68), "nested deeper than 64 levels"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", (1, 1003), "maximum nesting depth"),
    ],
)
def test_refused(text: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(YamlError) as info:
        load_documents(text, "f.yaml")
    error = info.value
    assert (error.location.line, error.location.column) == where
    assert message in error.message
    assert "\n" not in str(error)


def test_alias_bomb_is_refused() -> None:
    lines = ["a: &a [" + ", ".join(["x"] * 10) + "]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(YamlError, match=f"more than {MAX_ALIAS_NODES} nodes"):
        load_documents("\n".join(lines) + "\n", "bomb.yaml")


def test_bom_is_dropped_and_bad_bytes_are_located(tmp_path: Path) -> None:
    bom = tmp_path / "bom.yaml"
    bom.write_bytes(b"\xef\xbb\xbfa: 1\n")
    assert load_documents(read_text(bom, "bom.yaml"), "bom.yaml")[0].data == {"a": 1}
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"a: 1\nb: caf\xe9\n")
    with pytest.raises(YamlError) as info:
        read_text(bad, "bad.yaml")
    assert str(info.value) == "bad.yaml:2:7: not UTF-8: byte 0xe9 cannot be decoded"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ('a: "x\\0y"\n', 1, "strings must not contain NUL"),
        ('a:\n  "k\\0": 1\n', 2, "strings must not contain NUL"),
        ('a:\n  - "\\ud800"\n', 2, "invalid Unicode character escape"),
    ],
)
def test_strings_an_engine_cannot_hold_are_located_errors(
    text: str, line: int, message: str
) -> None:
    """cel-cpp cuts strings at NUL: such a value would read differently per engine."""
    with pytest.raises(YamlError, match=message) as info:
        load_documents(text, "f.yaml")
    assert info.value.location.line == line


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        # The builder reads the events as they come, but a syntax error later
        # in the file still wins over what it refused earlier (as when the
        # whole stream was composed first).
        ("a: 1\na: 2\nb: [\n", (4, 1, 0, 0), "invalid YAML: did not find expected node content"),
        (
            "a: &x 1\nb: &x 2\n",
            (2, 4, 0, 0),
            "invalid YAML: found duplicate anchor; first occurrence at line 1, column 4: "
            "second occurrence",
        ),
        ("a: *x\n", (1, 4, 0, 0), "invalid YAML: found undefined alias"),
        # A refused mapping or sequence is located by its whole span.
        ("a: !!set\n  x: 1\n  y: 2\nb: 1\n", (1, 4, 4, 1), "unsupported YAML tag !!set"),
        ("? [a,\n   b]\n: 1\n", (1, 3, 2, 6), "mapping keys must be plain strings"),
        ("a: &a\n  - *a\n  - 1\nb: 2\n", (1, 4, 4, 1), "recursive YAML alias"),
    ],
)
def test_refusals_are_worded_and_located_as_before(
    text: str, where: tuple[int, int, int, int], message: str
) -> None:
    with pytest.raises(YamlError) as info:
        load_documents(text, "f.yaml")
    assert info.value.message == message
    assert info.value.location == Location("f.yaml", *where)


def test_merged_keys_keep_the_place_they_were_written() -> None:
    text = "base: &base\n  image: x\n  ports: [1]\nweb:\n  <<: *base\n  image: y\n"
    [doc] = load_documents(text, "c.yaml", tolerant=True)
    assert doc.data["web"] == {"image": "y", "ports": [1]}
    assert doc.locate(("web", "image")) == Location("c.yaml", 6, 10, 6, 11)
    assert doc.locate(("web", "ports")) == Location("c.yaml", 3, 10, 3, 13)
    assert doc.locate_key(("web", "ports")) == Location("c.yaml", 3, 3, 3, 8)
    # Inside a merged value, the nearest located place is the value itself.
    assert doc.locate(("web", "ports", 0)) == Location("c.yaml", 3, 10, 3, 13)


def test_an_alias_has_no_span_of_its_own_but_its_key_has() -> None:
    [doc] = load_documents("a: &x {k: v}\nb: *x\nc: &s text\nd: *s\n", "f.yaml")
    assert doc.span(("b",)) is None
    assert doc.locate_key(("b",)) == Location("f.yaml", 2, 1, 2, 2)
    assert doc.span(("b", "k")) is None
    # A scalar alias is built again with the anchor's place and style.
    assert doc.span(("d",)) == Location("f.yaml", 3, 4, 3, 11)


def test_styles_and_unlocated_documents() -> None:
    [doc] = load_documents("a: 'q'\nb: |\n  x\nc: p\n", "f.yaml")
    assert (doc.style(("a",)), doc.style(("b",)), doc.style(("c",))) == ("'", "|", None)
    assert doc.style(("zz",)) is None
    bare = Document("<built>", {"a": 1})
    assert bare.span(("a",)) is None
    assert bare.locate(("a",)) == Location("<built>")
