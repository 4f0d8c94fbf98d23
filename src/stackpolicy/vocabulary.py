"""The manifest vocabulary: the seven layers, the kinds in each, and reference fields."""

from __future__ import annotations

# Bottom to top, as the stack is usually drawn.
LAYERS: dict[str, str] = {
    "data-platform": "Data platform",
    "features-embeddings": "Features & embeddings",
    "training": "Training",
    "inference": "Inference",
    "orchestration": "Orchestration",
    "observability": "Evaluation & observability",
    "governance": "Governance & safety",
}

_KINDS_BY_LAYER: dict[str, tuple[str, ...]] = {
    "data-platform": (
        "warehouse",
        "lakehouse",
        "data-lake",
        "stream",
        "pipeline",
        "dataset",
        "data-quality-check",
    ),
    "features-embeddings": (
        "feature-store",
        "vector-store",
        "embedding-model",
        "embedding-pipeline",
    ),
    "training": (
        "training-job",
        "fine-tuning-job",
        "training-cluster",
        "experiment-tracker",
        "model-registry",
        "model",
    ),
    "inference": ("inference-service", "batch-inference-job", "model-gateway"),
    "orchestration": ("orchestrator", "workflow", "scheduler"),
    "observability": ("monitor", "drift-detector", "evaluation-suite", "tracing"),
    "governance": ("guardrail", "model-card", "audit-log", "access-policy", "lineage-tracker"),
}

KIND_LAYER: dict[str, str] = {
    kind: layer for layer, kinds in _KINDS_BY_LAYER.items() for kind in kinds
}

# Fields whose values name other components. Lists hold several names.
LIST_REFERENCES = ("depends_on", "targets", "reads_from", "writes_to", "datasets")
SCALAR_REFERENCES = (
    "model",
    "base_model",
    "trained_by",
    "orchestrated_by",
    "rollback_to",
    "runs_on",
)
REFERENCE_FIELDS = LIST_REFERENCES + SCALAR_REFERENCES


def kinds_in(layer: str) -> tuple[str, ...]:
    return _KINDS_BY_LAYER[layer]
