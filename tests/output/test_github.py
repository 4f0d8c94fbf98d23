from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import STACK_HEAD
from stackpolicy.cli import main
from stackpolicy.location import Location
from stackpolicy.output import FormatOptions
from stackpolicy.output.github import annotation, escape_data, escape_property

Write = Callable[[str, str], Path]


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("50% done", "50%25 done", "50%25 done"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("x: y, z", "x: y, z", "x%3A y%2C z"),
        ("%0A literal", "%250A literal", "%250A literal"),
    ],
)
def test_escaping(text: str, data: str, prop: str) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_annotation_format() -> None:
    line = annotation(
        "warning",
        Location("s.yaml", 3, 5, 3, 9),
        "SP-1: a, b",
        "multi\nline",
        FormatOptions(base_dir=Path.cwd()),
    )
    assert line == (
        "::warning file=s.yaml,line=3,col=5,endLine=3,endColumn=9,title=SP-1%3A a%2C b"
        "::multi%0Aline"
    )


@pytest.mark.usefixtures("in_root")
def test_acme_matches_golden(golden: Callable[[str, str], None]) -> None:
    result = CliRunner().invoke(main, ["check", "examples/acme", "--format", "github"])
    assert result.exit_code == 1
    golden("check-acme.github", result.stdout)


def test_problems_are_annotations_too(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: gpu}\n")
    result = CliRunner().invoke(main, ["check", "s.yaml", "--format", "github"])
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == (
        "::error file=s.yaml,line=5,col=22,endLine=5,endColumn=25,title=stackpolicy"
        "::components[0].kind: unknown kind 'gpu': use a kind from the vocabulary "
        "(stackpolicy schema manifest) or give the custom kind a layer"
    )
