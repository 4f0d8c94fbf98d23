"""A new input format is one module and one registry entry: a reader that
gives components with places of its own reaches every rule and output with
those places, and nothing else has to change."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import OWNERS
from stackpolicy import inputs
from stackpolicy.cli import main
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.read import Read
from stackpolicy.location import Location
from stackpolicy.stack import Declared, Fragment, PlacesLocator

Write = Callable[[str, str], Path]


class ToyTerraform:
    """Reads `resource "TYPE" "LABEL" {` lines: a vector store named by its label,
    located at the type label, its `model` reference at its own line."""

    name = "toy"
    suffixes = (".tf",)

    def read(self, file: InputFile) -> Read:
        components = []
        for number, line in enumerate(file.path.read_text().splitlines(), start=1):
            if line.startswith("resource "):
                label = line.split('"')[3]
                at = Location(file.display, number, line.index('"') + 1)
                model = Location(file.display, number + 1, 3)
                components.append(
                    Declared(
                        {"name": label, "kind": "vector-store", "depends_on": ["nowhere"]},
                        PlacesLocator(at, {("depends_on", 0): model}),
                        "toy",
                    )
                )
        return Read((Fragment(file.display, tuple(components), anchor=Location(file.display)),))


@pytest.fixture
def toy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inputs, "READERS", {**inputs.READERS, "toy": ToyTerraform()})
    monkeypatch.setattr(inputs, "MANIFEST_READERS", ("manifest", "toy"))


@pytest.mark.usefixtures("toy")
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("text", "main.tf:2:10: warning T-OWN-001 search (vector-store) has no owner"),
        ("text", "main.tf:3:3: error SP-REF-001 search (vector-store): depends_on 'nowhere'"),
        ("github", "::error file=main.tf,line=3,col=3,endLine=3,endColumn=3,title=SP-REF-001"),
        ("json", '"file": "main.tf",\n      "start_line": 2,\n      "start_column": 10,'),
    ],
)
def test_a_registered_reader_feeds_rules_and_outputs(write: Write, fmt: str, expected: str) -> None:
    write("main.tf", '# vector stores\nresource "pinecone_index" "search" {\n  x = 1\n}\n')
    result = CliRunner().invoke(
        main, ["check", "main.tf", "-p", OWNERS, "-f", fmt, "--fail-on", "note"]
    )
    assert result.exit_code == 1, result.stderr
    assert expected in result.stdout


@pytest.mark.usefixtures("toy")
def test_sarif_points_at_the_readers_places(write: Write) -> None:
    write("main.tf", 'resource "pinecone_index" "search" {\n  x = 1\n}\n')
    result = CliRunner().invoke(main, ["check", "main.tf", "-p", OWNERS, "-f", "sarif"])
    results = json.loads(result.stdout)["runs"][0]["results"]
    regions = {
        r["ruleId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results
    }
    assert regions == {"SP-REF-001": 2, "T-OWN-001": 1}
