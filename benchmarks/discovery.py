"""Benchmark discovery: 2,000 generated Terraform resources and 2,000 Kubernetes objects.

    python benchmarks/discovery.py             # 5 runs each, medians
    python benchmarks/discovery.py --count 2000 --runs 5 --compare-hcl2

It writes seeded files to a temporary directory (Terraform: 20 files of 100
resources, a third of them SageMaker endpoint + configuration + model chains;
Kubernetes: 20 files of 100 objects, StatefulSets with images, Services,
custom resources), times `discover()` in this process (the parse cache is
cleared between runs) and prints the median. `--compare-hcl2` also times
python-hcl2's parser on the same Terraform, when it is installed, for the
choice recorded in pyproject.toml. Target: each under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stackpolicy.discovery.scan import discover
from stackpolicy.inputs.discovered import _parse_yaml

FILES = 20

TF_KINDS = [
    'resource "pinecone_index" "idx{i}" {{\n  name = "index-{i}"\n  dimension = 1536\n'
    '  tags = {{ owner = "team-{t}", environment = "prod" }}\n}}\n',
    'resource "aws_sagemaker_model" "m{i}" {{\n  name = "model-{i}"\n'
    "  execution_role_arn = aws_iam_role.r{i}.arn\n}}\n",
    'resource "aws_sagemaker_endpoint_configuration" "c{i}" {{\n'
    '  production_variants {{\n    variant_name = "primary"\n'
    "    model_name = aws_sagemaker_model.m{p}.name\n  }}\n}}\n",
    'resource "aws_sagemaker_endpoint" "e{i}" {{\n'
    "  endpoint_config_name = aws_sagemaker_endpoint_configuration.c{p}.name\n}}\n",
    'resource "aws_iam_role" "r{i}" {{\n  name = "role-{i}"\n'
    '  assume_role_policy = jsonencode({{ Version = "2012-10-17" }})\n}}\n',
]

K8S_KINDS = [
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: qdrant-{i}x\n"
    "  namespace: team-{t}\n  labels: {{team: team-{t}}}\nspec:\n  template:\n    spec:\n"
    "      containers:\n        - name: db\n          image: qdrant/qdrant:v1.12.{i}\n",
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: qdrant-{i}x\n  namespace: team-{t}\n"
    "spec:\n  ports: [{{port: 6333}}]\n",
    "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n"
    "  name: isvc-{i}\n  namespace: team-{t}\nspec:\n  predictor:\n    sklearn:\n"
    "      storageUri: gs://models/{i}\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n"
    "  namespace: team-{t}\nspec:\n  template:\n    spec:\n"
    "      containers: [{{name: web, image: nginx:1.27}}]\n",
]


def terraform(root: Path, count: int) -> None:
    per_file = count // FILES
    for f in range(FILES):
        blocks = []
        for j in range(per_file):
            i = f * per_file + j
            template = TF_KINDS[i % len(TF_KINDS)]
            # an endpoint configuration points at the model just before it, and so on
            blocks.append(template.format(i=i, t=i % 7, p=i - 1))
        (root / f"main{f:02}.tf").write_text("\n".join(blocks), encoding="utf-8")


def kubernetes(root: Path, count: int) -> None:
    per_file = count // FILES
    for f in range(FILES):
        docs = []
        for j in range(per_file):
            i = f * per_file + j
            docs.append(K8S_KINDS[i % len(K8S_KINDS)].format(i=i, t=i % 7))
        (root / f"objects{f:02}.yaml").write_text("---\n".join(docs), encoding="utf-8")


def median_seconds(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        _parse_yaml.cache_clear()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--compare-hcl2", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tf, k8s = Path(tmp, "tf"), Path(tmp, "k8s")
        tf.mkdir()
        k8s.mkdir()
        terraform(tf, args.count)
        kubernetes(k8s, args.count)
        found_tf = discover([tf])
        found_k8s = discover([k8s])
        rows = [
            (
                "terraform",
                args.count,
                len(found_tf.components),
                median_seconds(lambda: discover([tf]), args.runs),
            ),
            (
                "kubernetes",
                args.count,
                len(found_k8s.components),
                median_seconds(lambda: discover([k8s]), args.runs),
            ),
        ]
        if args.compare_hcl2:
            import hcl2  # type: ignore[import-not-found]

            texts = [p.read_text(encoding="utf-8") for p in sorted(tf.glob("*.tf"))]
            seconds = median_seconds(lambda: [hcl2.parses(t) for t in texts], args.runs)
            rows.append(("python-hcl2 parse only", args.count, 0, seconds))
    print("| input | objects | components | median s |")
    print("|---|---:|---:|---:|")
    for name, objects, components, seconds in rows:
        print(f"| {name} | {objects} | {components} | {seconds:.3f} |")


if __name__ == "__main__":
    main()
