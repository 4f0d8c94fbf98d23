from __future__ import annotations

from pathlib import Path

from stackpolicy.inputs.files import InputFile
from stackpolicy.inputs.terraform import TerraformReader
from tests.inputs.helpers import by_address, found, where, write

MAIN = """\
resource "aws_sagemaker_model" "ranker" {
  name = "ranker-v3"
}

resource "aws_sagemaker_endpoint_configuration" "ranker" {
  production_variants {
    model_name = aws_sagemaker_model.ranker.name
  }
}

  resource "aws_sagemaker_endpoint" "ranker" {
  endpoint_config_name = aws_sagemaker_endpoint_configuration.ranker.name
  tags = { Owner = "search", Environment = "production" }
}

resource "aws_opensearchserverless_collection" "vectors" {
  name = "kb"
  type = "VECTORSEARCH"
}

resource "aws_opensearchserverless_collection" "logs" {
  name = "logs"
  type = "SEARCH"
}

resource "awscc_opensearchserverless_collection" "cc" {
  name = "${var.prefix}-cc"
  type = "VECTORSEARCH"
}

resource "aws_opensearch_domain" "maybe" {}
resource "aws_iam_role" "r" {}
"""


def test_resources_kinds_positions_and_references(tmp_path: Path) -> None:
    write(tmp_path, "main.tf", MAIN)
    result = found([tmp_path])
    got = by_address(result)
    assert set(got) == {
        "aws_sagemaker_model.ranker",
        "aws_sagemaker_endpoint.ranker",
        "aws_opensearchserverless_collection.vectors",
        "awscc_opensearchserverless_collection.cc",
        "aws_opensearch_domain.maybe",
    }
    endpoint = got["aws_sagemaker_endpoint.ranker"]
    # The endpoint and its configuration are one component, at the endpoint's
    # type label; the configuration is a related place; its model is the reference.
    assert where(endpoint) == (11, 12)
    assert endpoint.data["name"] == "ranker"  # no literal name: the label
    assert endpoint.data["model"] == "ranker-v3"  # the model's literal name
    assert endpoint.data["owner"] == "search"
    assert endpoint.data["environment"] == "production"
    assert endpoint.data["kind"] == "inference-service"
    related = endpoint.locator.related  # type: ignore[attr-defined]
    assert [(r.line, r.column) for r in related] == [(5, 10)]
    model_at = endpoint.locator.field(("model",))
    assert model_at is not None and (model_at.line, model_at.column) == (7, 18)
    assert where(got["aws_opensearchserverless_collection.vectors"]) == (16, 10)
    # Interpolated name is not a literal: the label is the name.
    assert got["awscc_opensearchserverless_collection.cc"].data["name"] == "cc"
    assert got["aws_opensearch_domain.maybe"].confidence == "possible"
    assert "aws_opensearch_domain.maybe" not in {c.address for c in result.components}


def test_agent_alias_is_part_of_its_agent_and_json_is_read(tmp_path: Path) -> None:
    write(
        tmp_path,
        "agents.tf",
        'resource "aws_bedrockagent_agent_alias" "live" {\n'
        "  agent_id = aws_bedrockagent_agent.helper.agent_id\n}\n"
        'resource "aws_bedrockagent_agent" "helper" {\n  agent_name = "h"\n}\n',
    )
    write(
        tmp_path,
        "kb.tf.json",
        '{"resource": {"pinecone_index": {"search": {"name": "product-search"}},\n'
        ' "aws_bedrockagent_knowledge_base": {"kb": {"name": "kb", "depends_on": [],\n'
        '  "x": "${pinecone_index.search.host}"}}}}\n',
    )
    got = by_address(found([tmp_path]))
    assert set(got) == {
        "aws_bedrockagent_agent.helper",
        "pinecone_index.search",
        "aws_bedrockagent_knowledge_base.kb",
    }
    agent = got["aws_bedrockagent_agent.helper"]
    assert where(agent) == (4, 10)
    assert [(r.line, r.column) for r in agent.locator.related] == [(1, 10)]  # type: ignore[attr-defined]
    assert where(got["pinecone_index.search"]) == (1, 34)  # the label's key
    kb = got["aws_bedrockagent_knowledge_base.kb"]
    assert kb.data["depends_on"] == ["product-search"]


def test_references_across_files_of_one_module(tmp_path: Path) -> None:
    write(tmp_path, "a.tf", 'resource "aws_sagemaker_model" "m" {\n  name = "m1"\n}\n')
    write(
        tmp_path,
        "b.tf",
        'resource "aws_sagemaker_endpoint_configuration" "c" {\n'
        "  production_variants {\n    model_name = aws_sagemaker_model.m.name\n  }\n}\n"
        'resource "aws_sagemaker_endpoint" "e" {\n'
        "  endpoint_config_name = aws_sagemaker_endpoint_configuration.c.name\n}\n",
    )
    # Another module with the same addresses is another scope: no cross-links.
    write(tmp_path, "other/x.tf", 'resource "aws_sagemaker_model" "m" {\n  name = "m2"\n}\n')
    result = found([tmp_path])
    endpoint = next(c for c in result.components if c.address == "aws_sagemaker_endpoint.e")
    assert endpoint.data["model"] == "m1"


def test_syntax_error_skips_the_whole_file_with_a_warning(tmp_path: Path) -> None:
    # tree-sitter would recover and silently drop the pinecone block: the
    # whole file is refused instead, and said.
    write(
        tmp_path,
        "bad.tf",
        'resource "a" "b" {\n  x = = 1\n}\nresource "pinecone_index" "p" {\n  name = "x"\n}\n',
    )
    result = found([tmp_path])
    assert result.components == ()
    assert len(result.warnings) == 1
    assert result.warnings[0].location.line == 2
    assert "invalid HCL" in result.warnings[0].message


def test_syntax_error_in_a_named_file_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.tf", 'resource "pinecone_index" "p" {\n  name = "x"\n')
    read = TerraformReader().read(InputFile(path, "bad.tf", explicit=True))
    assert read.fragments == ()
    assert [str(e) for e in read.errors] == ["bad.tf:3:1: invalid HCL: missing }"]


def test_columns_count_code_points(tmp_path: Path) -> None:
    write(
        tmp_path,
        "u.tf",
        '# é\nresource "pinecone_index" "p" { name = "é-search" }\n'
        'resource/*é*/"pinecone_index" "q" {}\n',
    )
    got = by_address(found([tmp_path]))
    assert where(got["pinecone_index.p"]) == (2, 10)
    # é is not a valid name character; a name starts with a letter or digit.
    assert got["pinecone_index.p"].data["name"] == "search"
    assert where(got["pinecone_index.q"]) == (3, 14)  # é is one column, two bytes
