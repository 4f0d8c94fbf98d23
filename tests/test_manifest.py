from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import STACK_HEAD
from stackpolicy.errors import UsageError
from stackpolicy.inputs import load_stack
from stackpolicy.location import Location

Write = Callable[[str, str], Path]


def test_components_merge_across_files_and_documents(write: Write) -> None:
    write("stack/a.yaml", STACK_HEAD + "  - {name: wh, kind: warehouse}\n")
    write(
        "stack/sub/b.yaml",
        """
        apiVersion: stackpolicy/v1
        kind: Stack
        components:
          - name: job
            kind: training-job
        ---
        apiVersion: stackpolicy/v1
        kind: Stack
        components:
          - name: custom
            kind: prompt-library
            layer: governance
        """,
    )
    write("stack/other.yaml", "apiVersion: v1\nkind: ConfigMap\n")  # not ours: skipped
    write("stack/.hidden/c.yaml", "not: a manifest\n")
    loaded = load_stack([Path("stack")])
    assert loaded.errors == ()
    stack = loaded.stack
    assert [(c.name, c.layer) for c in stack.components] == [
        ("wh", "data-platform"),
        ("job", "training"),
        ("custom", "governance"),
    ]
    assert stack.files == ("stack/a.yaml", "stack/sub/b.yaml")
    assert (stack.name, stack.org) == ("test", "test")
    assert stack.anchor == Location("stack/a.yaml", 4, 1, 4, 11)
    assert stack.components[1].location == Location("stack/sub/b.yaml", 4, 11, 4, 14)


def test_field_location_falls_back_to_the_component(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - name: wh\n    kind: warehouse\n    owner: data\n")
    [wh] = load_stack([Path("s.yaml")]).stack.components
    assert wh.field_location("owner") == Location("s.yaml", 7, 12, 7, 16)
    assert wh.field_location("vendor") == Location("s.yaml", 5, 11, 5, 13)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            "  - {name: a, kind: blah}\n",
            [
                "s.yaml:5:21: components[0].kind: unknown kind 'blah': use a kind from the "
                "vocabulary (stackpolicy schema manifest) or give the custom kind a layer"
            ],
        ),
        (
            "  - {name: a, kind: monitor, layer: training}\n",
            [
                "s.yaml:5:37: layer 'training' disagrees with kind 'monitor', "
                "which is in layer 'observability'"
            ],
        ),
        (
            "  - {name: a, kind: stream}\n  - {name: a, kind: warehouse}\n",
            ["s.yaml:6:12: duplicate component name 'a' (first defined at s.yaml:5:12)"],
        ),
        (
            "  - name: a\n    kind: stream\n    owner: 5\n    ownr: x\n    labels: [a]\n",
            [
                "s.yaml:7:12: components[0].owner: expected string, got integer",
                "s.yaml:8:5: components[0]: unknown field 'ownr' (did you mean 'owner'?)",
                "s.yaml:9:13: components[0].labels: expected object, got array",
            ],
        ),
        (
            "  - kind: stream\n",
            ["s.yaml:5:5: components[0]: 'name' is a required property"],
        ),
        (
            "  - {name: 'has space', kind: stream}\n",
            [
                "s.yaml:5:12: components[0].name: 'has space' does not match "
                "'^[A-Za-z0-9][A-Za-z0-9._/-]{0,252}$'"
            ],
        ),
        (
            "  - {name: a, kind: stream, depends_on: b}\n",
            ["s.yaml:5:41: components[0].depends_on: expected array, got string"],
        ),
    ],
)
def test_manifest_errors(write: Write, body: str, errors: list[str]) -> None:
    write("s.yaml", STACK_HEAD + body)
    assert [str(e) for e in load_stack([Path("s.yaml")]).errors] == errors


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "s.yaml:1:1: empty file: expected a stack manifest"),
        ("- a\n", "s.yaml:1:1: expected a mapping (a stack manifest), got a list"),
        ("hello\n", "s.yaml:1:1: expected a mapping (a stack manifest), got a scalar"),
        (
            "apiVersion: v2\n",
            "s.yaml:1:1: not a stack manifest: apiVersion must be 'stackpolicy/v1'",
        ),
        (
            "apiVersion: stackpolicy/v2\nkind: Stack\ncomponents: []\n",
            "s.yaml:1:13: apiVersion: 'stackpolicy/v1' was expected",
        ),
    ],
)
def test_not_a_manifest(write: Write, text: str, error: str) -> None:
    write("s.yaml", text)
    assert [str(e) for e in load_stack([Path("s.yaml")]).errors] == [error]


def test_metadata_must_agree(write: Write) -> None:
    write("a.yaml", STACK_HEAD + "  - {name: a, kind: stream}\n")
    write(
        "b.yaml",
        "apiVersion: stackpolicy/v1\nkind: Stack\nmetadata: {org: other}\ncomponents: []\n",
    )
    [error] = load_stack([Path("a.yaml"), Path("b.yaml")]).errors
    assert str(error) == "b.yaml:3:17: metadata.org 'other' disagrees with 'test' at a.yaml:3:29"


def test_empty_directory_and_missing_path(write: Write) -> None:
    write("d/readme.txt", "nothing\n")
    [error] = load_stack([Path("d")]).errors
    assert str(error) == "d:1:1: no stack manifest found (apiVersion: stackpolicy/v1)"
    with pytest.raises(UsageError):
        load_stack([Path("missing.yaml")])


def test_odd_keys_are_quoted_in_messages(write: Write) -> None:
    write("s.yaml", STACK_HEAD + '  - {name: a, kind: stream, labels: {"x\\ny": 5}}\n')
    [error] = load_stack([Path("s.yaml")]).errors
    assert str(error) == "s.yaml:5:46: components[0].labels['x\\ny']: expected string, got integer"


def test_duplicate_names_across_files_name_both_places(write: Write) -> None:
    write("a.yaml", STACK_HEAD + "  - {name: vectors, kind: vector-store}\n")
    write(
        "b.yaml",
        "apiVersion: stackpolicy/v1\nkind: Stack\ncomponents:\n"
        "  - {name: vectors, kind: vector-store}\n",
    )
    [error] = load_stack([Path("a.yaml"), Path("b.yaml")]).errors
    assert (
        str(error)
        == "b.yaml:4:12: duplicate component name 'vectors' (first defined at a.yaml:5:12)"
    )
