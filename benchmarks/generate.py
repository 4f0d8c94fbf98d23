"""Generate a realistic stack manifest of a given size, deterministically.

    python benchmarks/generate.py 10000 > stack.yaml

A stack is built from "teams": each team owns a slice of every layer (data,
features, training, serving, orchestration, observability, governance),
wired with references as a real org would, and about one component in ten
breaks a policy (no owner, no monitor, no lineage, a dangling reference...).
The same size and seed always give the same file.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from typing import Any

import yaml

VENDORS = {
    "warehouse": ["snowflake", "bigquery", "redshift"],
    "stream": ["kafka", "kinesis", "pubsub"],
    "vector-store": ["pgvector", "pinecone", "weaviate"],
    "feature-store": ["feast", "tecton"],
    "monitor": ["arize", "datadog"],
    "orchestrator": ["airflow", "dagster"],
}
TEAM_SIZE = 25  # components per team


def team(rng: random.Random, t: int) -> Iterator[dict[str, Any]]:
    """About TEAM_SIZE components owned by team `t`, with a share of violations."""
    owner = f"team-{t}"
    p = f"t{t}"

    def c(name: str, kind: str, **fields: Any) -> dict[str, Any]:
        component = {
            "name": f"{p}-{name}",
            "kind": kind,
            "owner": owner,
            "environment": "production",
            **fields,
        }
        if rng.random() < 0.03:
            del component["owner"]  # nobody owns it
        if kind in VENDORS and "vendor" not in fields:
            component["vendor"] = rng.choice(VENDORS[kind])
        return component

    yield c("events", "stream", pii=rng.random() < 0.2)
    yield c("raw", "dataset", reads_from=[f"{p}-events"])
    yield c(
        "etl",
        "pipeline",
        reads_from=[f"{p}-events"],
        writes_to=["shared-features"],
        orchestrated_by=f"{p}-dag",
    )
    if rng.random() < 0.9:
        yield c("etl-quality", "data-quality-check", targets=[f"{p}-etl"])
    if rng.random() < 0.02:  # a team that runs its own feature store
        yield c("features", "feature-store", vendor="tecton")
    yield c("embedder", "embedding-model", vendor="sentence-transformers")
    yield c("training-data", "dataset", reads_from=[f"{p}-raw"])
    yield c("cluster", "training-cluster", managed=True)
    yield c(
        "train",
        "training-job",
        runs_on=f"{p}-cluster",
        orchestrated_by=f"{p}-dag",
        datasets=[f"{p}-training-data"],
        reads_from=["shared-features"],
    )
    lineage = {"trained_by": f"{p}-train"} if rng.random() < 0.92 else {}
    yield c("model", "model", version=f"1.{t}.0", **lineage)
    yield c("model-prev", "model", environment="staging", version=f"1.{t - 1}.0")
    dangling = [f"{p}-cache"] if rng.random() < 0.05 else []
    yield c(
        "api",
        "inference-service",
        model=f"{p}-model",
        rollback_to=f"{p}-model-prev",
        reads_from=[f"{p}-events"],
        depends_on=["shared-features", *dangling],
    )
    yield c(
        "batch",
        "batch-inference-job",
        model=f"{p}-model",
        orchestrated_by=f"{p}-dag",
        reads_from=[f"{p}-training-data"],
    )
    yield c(
        "chat",
        "inference-service",
        llm=True,
        model=f"{p}-model",
        rollback_to=f"{p}-model-prev",
        depends_on=["shared-features", "shared-vectors"],
    )
    yield c("dag", "workflow", orchestrated_by="shared-airflow")
    if rng.random() < 0.9:
        yield c("api-monitor", "monitor", targets=[f"{p}-api", f"{p}-batch", f"{p}-chat"])
    yield c("drift", "drift-detector", targets=[f"{p}-api"])
    yield c("evals", "evaluation-suite", targets=[f"{p}-model", f"{p}-chat"])
    yield c("tracing", "tracing", targets=[f"{p}-chat"])
    yield c("card", "model-card", model=f"{p}-model")
    yield c("guardrail", "guardrail", targets=[f"{p}-chat"])
    yield c("acl", "access-policy", targets=[f"{p}-events"])
    yield c("audit", "audit-log", targets=[f"{p}-api", f"{p}-chat"])
    yield c("registry-entry", "model-registry", depends_on=[f"{p}-model"])
    yield c("experiments", "experiment-tracker", vendor="mlflow")


def stack(size: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    shared = [
        {
            "name": "shared-airflow",
            "kind": "orchestrator",
            "owner": "platform",
            "vendor": "airflow",
        },
        {
            "name": "shared-warehouse",
            "kind": "warehouse",
            "owner": "platform",
            "vendor": "snowflake",
        },
        {
            "name": "shared-vectors",
            "kind": "vector-store",
            "owner": "platform",
            "vendor": "pgvector",
            "depends_on": ["t0-embedder"],
        },
        {
            "name": "shared-features",
            "kind": "feature-store",
            "owner": "platform",
            "vendor": "feast",
        },
    ]
    components = list(shared)
    t = 0
    while len(components) < size:
        components.extend(team(rng, t))
        t += 1
    return {
        "apiVersion": "stackpolicy/v1",
        "kind": "Stack",
        "metadata": {"name": f"bench-{size}", "org": "bench"},
        "components": components[:size],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    yaml.safe_dump(stack(args.size, args.seed), sys.stdout, sort_keys=False, width=120)


if __name__ == "__main__":
    main()
