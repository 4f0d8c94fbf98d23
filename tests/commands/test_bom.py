"""`stackpolicy bom`: a CycloneDX 1.6 BOM of the stack, the same every run,
that reads back as the same stack."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import EXAMPLES, OWNERS, STACK_HEAD
from stackpolicy import __version__
from stackpolicy.cli import main
from stackpolicy.discovery.scan import discover
from stackpolicy.inputs import load_stack
from stackpolicy.output import cyclonedx
from stackpolicy.stack import Stack, build_stack
from tests.output.test_cyclonedx import props, valid_bom

Write = Callable[[str, str], Path]


def bom(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["bom", "--no-config", *args], env=env)


def summary(stack: Stack) -> dict[str, tuple[Any, ...]]:
    """What the round trip must keep: kind, layer, owner and every field,
    references included, and where it came from (a manifest, or discovery
    and the address it found it at), by name."""
    return {
        c.name: (c.kind, c.layer, c.data.get("owner"), _fields(c.data), c.source, c.address)
        for c in stack.components
    }


def _fields(data: Any) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "layer"}


@pytest.mark.usefixtures("in_root")
def test_the_acme_bom_matches_golden(golden: Callable[[str, str], None]) -> None:
    result = bom("examples/acme")
    assert (result.exit_code, result.stderr) == (0, "")
    valid_bom(result.stdout)
    # The serial number hashes the version too: a release changes it.
    document = json.loads(result.stdout.replace(f'"{__version__}"', '"<version>"'))
    document["serialNumber"] = "urn:uuid:<serial>"
    golden("bom-acme.cdx.json", json.dumps(document, indent=2, ensure_ascii=False) + "\n")


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize("example", ["acme", "clean"])
def test_a_manifest_round_trips_through_the_bom(example: str, tmp_path: Path) -> None:
    out = tmp_path / "stack.cdx.json"
    assert bom(f"examples/{example}", "-o", str(out)).exit_code == 0
    original = load_stack([EXAMPLES / example]).stack
    back = load_stack([out])
    assert back.errors == ()
    assert summary(back.stack) == summary(original)
    assert (back.stack.name, back.stack.org) == (original.name, original.org)
    # Written again, it is the same BOM but for the places it was declared at.
    again = bom(str(out)).stdout
    assert _placeless(json.loads(again)) == _placeless(json.loads(out.read_text()))


def _placeless(document: dict[str, Any]) -> dict[str, Any]:
    del document["serialNumber"]
    for entry in [*document.get("components", []), *document.get("services", [])]:
        entry.pop("evidence", None)
        entry["properties"] = [
            p for p in entry["properties"] if p["name"] != "stackpolicy:declared-at"
        ]
    return document


@pytest.mark.usefixtures("in_root")
def test_discovered_components_round_trip_through_the_bom(tmp_path: Path) -> None:
    """examples/iac: what discovery finds in Terraform, Kubernetes, compose and
    Backstage files, with the places of every declaration."""
    found = build_stack([discover([EXAMPLES / "iac"]).fragment()])
    assert found.errors == ()
    text = cyclonedx.render(found.stack)
    document = valid_bom(text)
    out = tmp_path / "iac.cdx.json"
    out.write_text(text)
    back = load_stack([out])
    assert back.errors == ()
    assert summary(back.stack) == summary(found.stack)
    chroma = next(c for c in document["components"] if c["name"] == "chroma")
    assert ("stackpolicy:found-by", "compose:chroma") in props(chroma)
    # A component discovery grouped from several declarations has a place for
    # each: occurrences for a component, properties for a service (which has
    # no `evidence` in CycloneDX 1.6).
    places = {c["name"]: len(c["evidence"]["occurrences"]) for c in document["components"]} | {
        s["name"]: sum(n == "stackpolicy:declared-at" for n, _ in props(s))
        for s in document["services"]
    }
    related = {c.name: 1 + len(c.related) for c in found.stack.components}
    assert places == related
    ranker = next(s for s in document["services"] if s["name"] == "ranker")
    assert [v for n, v in props(ranker) if n == "stackpolicy:declared-at"] == [
        "examples/iac/terraform/search/main.tf:15:10",
        "examples/iac/terraform/search/main.tf:7:10",
    ]


def test_the_same_stack_gives_the_same_bytes(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: m, kind: model, owner: a}\n")
    first, second = bom("s.yaml"), bom("s.yaml")
    assert first.exit_code == 0
    assert first.stdout == second.stdout
    assert "timestamp" not in valid_bom(first.stdout)["metadata"]


def test_source_date_epoch_gives_a_reproducible_timestamp(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: m, kind: model, owner: a}\n")
    result = bom("s.yaml", env={"SOURCE_DATE_EPOCH": "0"})
    assert valid_bom(result.stdout)["metadata"]["timestamp"] == "1970-01-01T00:00:00Z"
    for wrong in ("yesterday", "-1", "253402300800"):
        assert bom("s.yaml", env={"SOURCE_DATE_EPOCH": wrong}).exit_code == 2
    assert bom("s.yaml", env={"SOURCE_DATE_EPOCH": ""}).stdout == bom("s.yaml").stdout
    last = bom("s.yaml", "--source-date-epoch", "253402300799").stdout
    assert valid_bom(last)["metadata"]["timestamp"] == "9999-12-31T23:59:59Z"


def test_with_findings_runs_the_policies(write: Write) -> None:
    write(
        "s.yaml", STACK_HEAD + "  - {name: m, kind: model}\n  - {name: n, kind: model, owner: a}\n"
    )
    result = bom("s.yaml", "-p", OWNERS, "--with-findings", "-o", "bom.json")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    document = valid_bom(Path("bom.json").read_text())
    findings = {
        c["name"]: [v for n, v in props(c) if n == "stackpolicy:finding"]
        for c in document["components"]
    }
    assert findings == {"m": ["warning T-OWN-001: m (model) has no owner (s.yaml:5:12)"], "n": []}
    assert ("stackpolicy:findings", "included") in props(document["metadata"])
    without = valid_bom(bom("s.yaml", "-p", OWNERS).stdout)
    assert all(n != "stackpolicy:finding" for c in without["components"] for n, _ in props(c))


def test_a_stack_that_does_not_load_is_exit_2_and_no_bom(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: wh, kind: gpu}\n")
    result = bom("s.yaml", "-o", "bom.json")
    assert result.exit_code == 2
    assert result.stderr.startswith("s.yaml:5:22: components[0].kind: unknown kind 'gpu'")
    assert not Path("bom.json").exists()


def test_a_broken_policy_with_findings_is_exit_2_but_still_a_bom(write: Write) -> None:
    write("s.yaml", STACK_HEAD + "  - {name: m, kind: model, owner: a}\n")
    write("bad.yaml", "not: a policy\n")
    result = bom("s.yaml", "-p", "bad.yaml", "--with-findings")
    assert result.exit_code == 2
    assert result.stderr.startswith("bad.yaml:")
    valid_bom(result.stdout)


def test_the_configured_stack_is_the_default(write: Write) -> None:
    write("stack/s.yaml", STACK_HEAD + "  - {name: m, kind: model, owner: a}\n")
    write(".stackpolicy.yaml", "stack: [stack]\n")
    result = CliRunner().invoke(main, ["bom"])
    assert result.exit_code == 0, result.stderr
    assert [c["name"] for c in valid_bom(result.stdout)["components"]] == ["m"]


def _findings(*args: str) -> list[tuple[str, str, str]]:
    result = CliRunner().invoke(main, ["check", "--no-config", "-f", "json", *args])
    assert result.exit_code == 1, result.stderr
    found = json.loads(result.stdout)["findings"]
    return sorted((f["policy_id"], f["component"], f["message"]) for f in found)


@pytest.mark.usefixtures("in_root")
def test_check_and_audit_see_the_same_stack_in_the_bom(tmp_path: Path) -> None:
    out = tmp_path / "acme.cdx.json"
    assert bom("examples/acme", "-o", str(out)).exit_code == 0
    assert _findings(str(out)) == _findings("examples/acme")
    audits = [
        CliRunner().invoke(main, ["audit", "--no-config", path]).stdout
        for path in ("examples/acme", str(out))
    ]
    assert audits[0] == audits[1]
    assert "vector-stores across 3 departments" in audits[1]


@pytest.mark.usefixtures("in_root")
def test_the_bom_does_not_depend_on_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Places are relative to the repository root, as in SARIF."""
    from_root = bom("examples/acme").stdout
    monkeypatch.chdir(EXAMPLES)
    from_examples = bom("acme").stdout
    assert from_examples == from_root
    assert '"location": "examples/acme/training.yaml"' in from_root


@pytest.mark.usefixtures("in_root")
def test_discover_adds_what_runs_to_the_bom() -> None:
    """`--discover` (every stack command's option): the manifest's components
    and what discovery found in the infrastructure code, in one BOM."""
    result = bom("examples/iac/stack.yaml", "--discover", "examples/iac", "--with-findings")
    assert result.exit_code == 0, result.stderr
    document = valid_bom(result.stdout)
    provenance = {
        e["name"]: v
        for e in [*document["components"], *document["services"]]
        for n, v in props(e)
        if n in ("stackpolicy:found-by", "stackpolicy:source")
    }
    assert provenance["chroma"] == "compose:chroma"  # found only by discovery
    assert provenance["product-search"] == "terraform:pinecone_index.search"  # both
    assert "examples/iac/chart/templates/deployment.yaml:4:28: skipped" in result.stderr
    findings = [
        v for e in document["components"] for n, v in props(e) if n == "stackpolicy:finding"
    ]
    assert any(" SP-DRF-" in f for f in findings)
