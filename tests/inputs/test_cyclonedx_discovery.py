"""CycloneDX BOMs as a discovery source: `stackpolicy discover` and `--discover`
find another tool's BOM (and one `stackpolicy bom` wrote) among other JSON,
each component at its place in the BOM, linked as `cyclonedx:<bom-ref>`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLES
from stackpolicy.cli import main
from stackpolicy.discovery.scan import Discovery, discover
from stackpolicy.inputs import load_stack
from stackpolicy.pipeline import read_stack
from stackpolicy.settings import Request, read_config, resolve
from tests.output.test_cyclonedx import bom_validator, valid_bom

Write = Callable[[str, str], Path]

# Another tool's AI-BOM: a library (no AI component), a model whose name a
# compose service has too, a dataset with a governance owner, and a service
# whose bom-ref has a space (no manifest could name it: its name links it).
THEIRS: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "components": [
        {"type": "library", "bom-ref": "pkg:pypi/torch@2.3", "name": "torch"},
        {
            "type": "machine-learning-model",
            "bom-ref": "pkg:huggingface/acme/qdrant-embedder@1",
            "name": "qdrant",
            "supplier": {"name": "acme"},
        },
        {
            "type": "data",
            "bom-ref": "data-1",
            "name": "tickets",
            "data": [
                {
                    "type": "dataset",
                    "governance": {"owners": [{"organization": {"name": "support-data"}}]},
                }
            ],
        },
    ],
    "services": [{"bom-ref": "chat svc", "name": "chat", "version": "2"}],
    "dependencies": [
        {"ref": "chat svc", "dependsOn": ["pkg:huggingface/acme/qdrant-embedder@1", "data-1"]}
    ],
}
COMPOSE = "services:\n  qdrant:\n    image: qdrant/qdrant\n"


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(write: Write) -> Path:
    write("repo/ai/aibom.json", json.dumps(valid_bom(json.dumps(THEIRS)), indent=2))
    write("repo/web/package.json", '{"name": "web", "bomFormat": "npm"}')
    write("repo/infra/main.tf.json", '{"resource": {}}')
    write("repo/nested.json", '{"sbom": {"bomFormat": "CycloneDX"}}')  # claims, is not
    return write("repo/compose.yaml", COMPOSE).parent


def test_discover_finds_a_bom_among_other_json(repo: Path) -> None:
    code, out, err = run("discover", "repo", "-f", "json")
    assert code == 0
    document = json.loads(out)
    rows = [
        (r["name"], r["kind"], r["source"], r["address"], r["file"], r["line"], r["column"])
        for r in document["components"]
    ]
    assert rows == [
        (
            "cyclonedx/qdrant",
            "model",
            "cyclonedx",
            "pkg:huggingface/acme/qdrant-embedder@1",
            "repo/ai/aibom.json",
            14,
            15,
        ),
        ("tickets", "dataset", "cyclonedx", "data-1", "repo/ai/aibom.json", 22, 15),
        ("chat", "inference-service", "cyclonedx", "chat", "repo/ai/aibom.json", 42, 15),
        ("compose/qdrant", "vector-store", "compose", "qdrant", "repo/compose.yaml", 2, 3),
    ]
    chat = document["components"][2]
    assert (chat["depends_on"], chat["version"]) == (["cyclonedx/qdrant", "tickets"], "2")
    assert document["components"][1]["owner"] == "support-data"
    files = ["repo/ai/aibom.json", "repo/compose.yaml", "repo/infra/main.tf.json"]
    assert sorted(document["files"]) == files  # an empty .tf.json is Terraform still
    # Only the renames are said: other JSON is skipped silently.
    assert "package.json" not in err and "nested.json" not in err and "main.tf" not in err


def test_discovered_yaml_validates_and_keeps_what_the_bom_says(repo: Path) -> None:
    code, _, _ = run("discover", "repo", "-o", "found.yaml")
    assert code == 0
    text = Path("found.yaml").read_text(encoding="utf-8")
    assert "  # cyclonedx repo/ai/aibom.json:14:15 pkg:huggingface/acme/qdrant-embedder@1" in text
    code, out, _ = run("validate", "--no-config", "found.yaml")
    assert code == 0, out
    model = yaml.safe_load(text)["components"][0]
    assert model == {
        "name": "cyclonedx/qdrant",
        "kind": "model",
        "vendor": "acme",
        "attributes": {
            "cyclonedx": {
                "type": "machine-learning-model",
                "bom-ref": "pkg:huggingface/acme/qdrant-embedder@1",
            }
        },
        "source": "cyclonedx:pkg:huggingface/acme/qdrant-embedder@1",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"bomFormat": "CycloneDX", "x": [}', "repo/ai/bad.json:1:34: invalid YAML"),
        (
            '{"bomFormat": "CycloneDX",\n "a": 1, "a": 2}',
            "repo/ai/bad.json:2:10: duplicate key 'a'",
        ),
        (
            '{"bomFormat": "CycloneDX", "components": [{"type": "application", "name": "q",\n'
            '"properties": [{"name": "stackpolicy:kind", "value": "GPU box"}]}]}',
            "repo/ai/bad.json:2:54: kind: 'GPU box' is not valid",
        ),
    ],
)
def test_a_file_that_claims_to_be_a_bom_and_is_broken_is_an_error(
    repo: Path, write: Write, text: str, expected: str
) -> None:
    write("repo/ai/bad.json", text)
    code, out, err = run("discover", "repo", "-f", "text")
    assert code == 2
    assert [line for line in err.splitlines() if line.startswith(expected)], err
    assert "4 components discovered" in out  # the rest is still listed


def test_a_bom_named_on_its_own_and_on_stdin(repo: Path) -> None:
    code, out, _ = run("discover", "repo/ai/aibom.json", "-f", "text")
    assert (code, out.splitlines()[0]) == (
        0,
        "repo/ai/aibom.json:14:15: model 'qdrant' [cyclonedx "
        "pkg:huggingface/acme/qdrant-embedder@1, certain]",
    )
    text = Path("repo/ai/aibom.json").read_text(encoding="utf-8")
    code, out, _ = run("discover", "-", "-f", "text", stdin=text)
    assert (code, out.splitlines()[1]) == (
        0,
        "<stdin>:22:15: dataset 'tickets' [cyclonedx data-1, certain]",
    )
    code, _, err = run("discover", "repo/web/package.json")
    assert (code, err) == (
        2,
        "repo/web/package.json:1:1: nothing discovery reads (cyclonedx) in this file\n",
    )


STACK = """\
apiVersion: stackpolicy/v1
kind: Stack
metadata: {name: support, org: acme}
components:
  - name: embedder
    kind: model
    vendor: meta
    source: cyclonedx:pkg:huggingface/acme/qdrant-embedder@1
  - name: faq
    kind: dataset
    owner: support
    source: cyclonedx:data-2
"""


def test_drift_against_a_bom(repo: Path, write: Write) -> None:
    """Linked by `source:`: the BOM's model is the manifest's `embedder` (a
    vendor mismatch at the manifest's field), and the service's reference to
    it follows the link; an entry whose bom-ref is gone, and what no entry
    links, are drift too, each at its place."""
    write("stack.yaml", STACK)
    code, out, _ = run("check", "stack.yaml", "--discover", "repo/ai", "--no-config", "-f", "json")
    assert code == 1
    findings = json.loads(out)["findings"]
    drift = [
        (f["policy_id"], f["file"], f["start_line"], f["start_column"])
        for f in findings
        if f["policy_id"].startswith("SP-DRF")
    ]
    assert drift == [
        ("SP-DRF-001", "repo/ai/aibom.json", 22, 15),
        ("SP-DRF-001", "repo/ai/aibom.json", 42, 15),
        ("SP-DRF-003", "stack.yaml", 7, 13),
        ("SP-DRF-002", "stack.yaml", 12, 13),
    ]
    assert not [f for f in findings if f["policy_id"] == "SP-REF-001"]
    code, out, _ = run("trace", "chat", "stack.yaml", "--discover", "repo/ai", "--no-config")
    assert code == 0, out
    assert "embedder" in out


def test_a_bom_stackpolicy_wrote_round_trips_through_discovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`bom --discover` then `discover` of that BOM: the same names, kinds and
    owners (every field) as the stack it was written from; what discovery found keeps its
    Terraform address, what a manifest declared is linked by the entry's
    `source:`, else by its bom-ref."""
    monkeypatch.chdir(EXAMPLES / "iac")
    code, _, err = run(
        "bom", "stack.yaml", "--discover", ".", "--no-config", "-o", str(tmp_path / "s.cdx.json")
    )
    assert code == 0, err
    valid_bom((tmp_path / "s.cdx.json").read_text(encoding="utf-8"))
    request = Request(paths=(Path("stack.yaml"),), discover=(Path("."),), no_config=True)
    original = read_stack(resolve(request, read_config(request))).stack
    found = discover([tmp_path / "s.cdx.json"])
    assert (found.errors, found.warnings) == ((), ())
    # Every field (names, kinds, owners, references) as the stack had it; the
    # manifest's `source:` became the component's link. Services follow
    # components in a BOM, so the order is the BOM's.
    assert {str(c.data["name"]): dict(c.data) for c in found.components} == {
        c.name: {k: v for k, v in c.data.items() if k != "source"} for c in original.components
    }
    links = {str(c.data["name"]): f"{c.source}:{c.address}" for c in found.components}
    assert links["ranker"] == "terraform:aws_sagemaker_endpoint.ranker"  # its source:
    assert links["kb-vectors"] == "terraform:aws_opensearchserverless_collection.kb"  # found-by
    declared_only = [c.name for c in original.components if c.source == "manifest"]
    declared_only = [n for n in declared_only if "source" not in original.by_name[n].data]
    assert declared_only, "the example declares components with no source:"
    assert links[declared_only[0]] == f"cyclonedx:stackpolicy:component:{declared_only[0]}"


def _ours(**properties: str) -> dict[str, Any]:
    """A component `stackpolicy bom` wrote, with these properties besides its kind."""
    props = [{"name": "stackpolicy:kind", "value": "vector-store"}]
    props += [{"name": f"stackpolicy:{k}", "value": v} for k, v in properties.items()]
    return {
        "type": "platform",
        "bom-ref": "stackpolicy:component:kb",
        "name": "kb",
        "properties": props,
    }


@pytest.mark.parametrize(
    ("component", "link"),
    [
        ({"type": "data", "bom-ref": "d-1", "name": "d"}, "cyclonedx:d-1"),
        ({"type": "data", "bom-ref": "d 1", "name": "d"}, "cyclonedx:d"),
        ({"type": "data", "bom-ref": "d\n1", "name": "d"}, "cyclonedx:d"),
        ({"type": "data", "bom-ref": "d\u202e1", "name": "d"}, "cyclonedx:d"),
        ({"type": "data", "bom-ref": "x" * 1025, "name": "d"}, "cyclonedx:d"),
        ({"type": "data", "name": "d"}, "cyclonedx:d"),
        (_ours(), "cyclonedx:stackpolicy:component:kb"),
        (_ours(**{"found-by": "terraform:pinecone_index.kb"}), "terraform:pinecone_index.kb"),
        (_ours(source="compose:qdrant"), "compose:qdrant"),
        # What no manifest could name is not a link: the bom-ref is.
        (_ours(**{"found-by": "evil:x"}), "cyclonedx:stackpolicy:component:kb"),
        (_ours(**{"found-by": "terraform:a b"}), "cyclonedx:stackpolicy:component:kb"),
        (_ours(**{"found-by": "terraform:a\u2028b"}), "cyclonedx:stackpolicy:component:kb"),
        (_ours(**{"found-by": "terraform"}), "cyclonedx:stackpolicy:component:kb"),
    ],
)
def test_each_component_is_linked_as_a_manifest_can_name_it(
    write: Write, component: dict[str, Any], link: str
) -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": [component]}
    assert list(bom_validator().iter_errors(bom)) == []  # bom-ref is optional: not valid_bom
    write("bom.json", json.dumps(bom))
    found = discover([Path(".")])
    assert found.errors == ()
    [discovered] = found.components
    assert f"{discovered.source}:{discovered.address}" == link


def test_what_discovery_found_in_a_bom_is_written_with_where_it_was_found(repo: Path) -> None:
    """`bom --discover` of another tool's BOM, discovered again: the same
    names, kinds and links (`found-by: cyclonedx:<bom-ref>`); read as a stack
    input, the components are discovered ones still, not declared."""
    first = discover([Path("repo/ai")])
    code, _, err = run("bom", "--discover", "repo/ai", "--no-config", "-o", "again.cdx.json")
    assert code == 0, err
    valid_bom(Path("again.cdx.json").read_text(encoding="utf-8"))
    again = discover([Path("again.cdx.json")])
    assert again.errors == ()

    def described(found: Discovery) -> list[tuple[str, str, str]]:
        return sorted(
            (str(c.data["name"]), str(c.data["kind"]), f"{c.source}:{c.address}")
            for c in found.components
        )

    assert described(again) == described(first)
    loaded = load_stack([Path("again.cdx.json")])
    assert {c.source for c in loaded.stack.components} == {"cyclonedx"}
