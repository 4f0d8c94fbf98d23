# The support team's assistant: an agent, its alias, its knowledge base.
resource "aws_bedrockagent_agent" "helper" {
  agent_name       = "support-helper"
  foundation_model = "anthropic.claude-v2"
  tags = { team = "support" }
}

resource "aws_bedrockagent_agent_alias" "live" {
  agent_alias_name = "live"
  agent_id         = aws_bedrockagent_agent.helper.agent_id
}

resource "aws_bedrockagent_knowledge_base" "faq" {
  name     = "support-faq"
  role_arn = "arn:aws:iam::123456789012:role/kb"
  storage_configuration {
    type = "OPENSEARCH_SERVERLESS"
    opensearch_serverless_configuration {
      collection_arn    = awscc_opensearchserverless_collection.faq.arn
      vector_index_name = "faq"
    }
  }
}

resource "awscc_opensearchserverless_collection" "faq" {
  name = "support-faq"
  type = "VECTORSEARCH"
}

resource "aws_opensearch_domain" "tickets" {
  domain_name = "tickets"
}
