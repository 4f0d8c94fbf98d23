from __future__ import annotations

from pathlib import Path

from stackpolicy.discovery.drift import compare, gone, mismatch, undeclared
from stackpolicy.discovery.scan import discover
from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.manifest import ManifestReader
from stackpolicy.stack import Declared

TF = """\
resource "pinecone_index" "search" {
  name = "product-search"
  tags = { owner = "search" }
}

resource "pinecone_index" "shadow" {
  name = "shadow-index"
}

resource "aws_sagemaker_endpoint" "ranker" {
  name = "ranker"
}
"""

STACK = """\
apiVersion: stackpolicy/v1
kind: Stack
components:
  - name: product-search
    kind: vector-store
    vendor: pinecone
    owner: platform
    source: terraform:pinecone_index.search
  - name: old-index
    kind: vector-store
    source: terraform:pinecone_index.removed
  - name: ranker
    kind: inference-service
"""


def _declared(tmp_path: Path) -> list[Declared]:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK, encoding="utf-8")
    read = ManifestReader().read(InputFile(path, "stack.yaml", explicit=True))
    assert read.errors == ()
    return [c for fragment in read.fragments for c in fragment.components]


def _discovered(tmp_path: Path) -> list[Declared]:
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(TF, encoding="utf-8")
    return list(discover([tmp_path / "infra"]).components)


def test_undeclared_is_at_the_infrastructure_code_and_a_name_is_only_a_hint(
    tmp_path: Path,
) -> None:
    declared, discovered = _declared(tmp_path), _discovered(tmp_path)
    found = undeclared(declared, discovered)
    assert [(d.discovered.address, d.location.line, d.location.column) for d in found] == [  # type: ignore[union-attr]
        ("pinecone_index.shadow", 6, 10),
        ("aws_sagemaker_endpoint.ranker", 10, 10),
    ]
    # `ranker` has the same name as a declared component but no source: link.
    assert "add `source: terraform:aws_sagemaker_endpoint.ranker`" in found[1].message
    assert found[0].declared is None


def test_gone_is_at_the_source_line(tmp_path: Path) -> None:
    found = gone(_declared(tmp_path), _discovered(tmp_path))
    assert [(d.location.path, d.location.line, d.location.column) for d in found] == [
        ("stack.yaml", 11, 13)
    ]
    assert "terraform:pinecone_index.removed" in found[0].message


def test_mismatch_is_at_the_manifest_field(tmp_path: Path) -> None:
    found = mismatch(_declared(tmp_path), _discovered(tmp_path))
    # kind and vendor agree; owner differs; environment is said by neither.
    assert [(d.field, d.location.line, d.location.column) for d in found] == [("owner", 7, 12)]
    assert "'platform'" in found[0].message and "'search'" in found[0].message


def test_no_drift_when_everything_is_linked_and_agrees(tmp_path: Path) -> None:
    discovered = _discovered(tmp_path)
    declared = [
        Declared({**c.data, "source": f"terraform:{c.address}"}, c.locator, "manifest")
        for c in discovered
    ]
    assert compare(declared, discovered) == []
    assert [d.kind for d in compare(declared[:1], discovered)] == ["undeclared", "undeclared"]
