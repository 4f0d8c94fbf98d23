# The search team's retrieval stack on AWS.
resource "aws_sagemaker_model" "ranker" {
  name               = "ranker-v3"
  execution_role_arn = aws_iam_role.sagemaker.arn
}

resource "aws_sagemaker_endpoint_configuration" "ranker" {
  name = "ranker-config"
  production_variants {
    variant_name = "primary"
    model_name   = aws_sagemaker_model.ranker.name
  }
}

resource "aws_sagemaker_endpoint" "ranker" {
  name                 = "ranker"
  endpoint_config_name = aws_sagemaker_endpoint_configuration.ranker.name
  tags = {
    owner       = "search"
    environment = "production"
  }
}

resource "pinecone_index" "search" {
  name      = "product-search"
  dimension = 1536
}

resource "aws_opensearchserverless_collection" "kb" {
  name = "kb-vectors"
  type = "VECTORSEARCH"
}

# Log search, not vectors: not an AI component.
resource "aws_opensearchserverless_collection" "logs" {
  name = "app-logs"
  type = "SEARCH"
}

resource "aws_iam_role" "sagemaker" {
  name = "sagemaker-exec"
}
