"""Generate a flat, randomly wired stack manifest, independently of generate.py.

    python benchmarks/generate_flat.py 10000 > stack.yaml

generate.py builds tidy teams where one component in ten breaks a policy.
This one has another shape: components of any kind in random order, each with
name, kind, owner, environment, labels, depends_on and targets only, wired to
random earlier components (a few names dangle). About 1.4 findings per
component with the bundled library, so rendering and locating findings weigh
as much as evaluating. The same size and seed always give the same file.
"""

from __future__ import annotations

import argparse
import random
import sys
from typing import Any

import yaml

# Kinds weighted roughly as a platform inventory lists them.
KINDS = {
    "dataset": 8,
    "pipeline": 6,
    "stream": 3,
    "warehouse": 1,
    "feature-store": 1,
    "vector-store": 1,
    "embedding-model": 2,
    "training-job": 4,
    "model": 6,
    "inference-service": 6,
    "batch-inference-job": 3,
    "workflow": 3,
    "monitor": 4,
    "drift-detector": 2,
    "evaluation-suite": 2,
    "tracing": 2,
    "guardrail": 2,
    "model-card": 2,
    "audit-log": 2,
    "access-policy": 2,
}
# Kinds whose `targets` name what they cover.
TARGETING = {
    "monitor",
    "drift-detector",
    "evaluation-suite",
    "tracing",
    "guardrail",
    "audit-log",
    "access-policy",
    "data-quality-check",
}
ENVIRONMENTS = ("production", "production", "staging", "development")
TEAMS = 40


def component(rng: random.Random, i: int, kind: str, earlier: list[str]) -> dict[str, Any]:
    """Component `i`, referring to random `earlier` names (about 5% dangle)."""
    found: dict[str, Any] = {"name": f"c{i:06d}-{kind}", "kind": kind}
    if rng.random() < 0.85:
        found["owner"] = f"team-{rng.randrange(TEAMS)}"
    found["environment"] = rng.choice(ENVIRONMENTS)
    found["labels"] = {"cost-center": f"cc-{rng.randrange(12)}", "tier": str(rng.randrange(1, 4))}

    def names(count: int) -> list[str]:
        picked = {rng.choice(earlier) for _ in range(count)} if earlier else set()
        if rng.random() < 0.05:
            picked.add(f"gone-{rng.randrange(1000)}")
        return sorted(picked)

    if depends := names(rng.randrange(0, 3)):
        found["depends_on"] = depends
    if kind in TARGETING and (targets := names(rng.randrange(1, 4))):
        found["targets"] = targets
    return found


def stack(size: int, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    kinds = list(KINDS)
    weights = list(KINDS.values())
    components: list[dict[str, Any]] = []
    # A window of recent names keeps references local, as in real inventories,
    # and keeps the generator linear.
    recent: list[str] = []
    for i in range(size):
        kind = rng.choices(kinds, weights)[0]
        components.append(component(rng, i, kind, recent))
        recent.append(components[-1]["name"])
        del recent[:-200]
    return {
        "apiVersion": "stackpolicy/v1",
        "kind": "Stack",
        "metadata": {"name": f"flat-{size}", "org": "flat"},
        "components": components,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    yaml.safe_dump(stack(args.size, args.seed), sys.stdout, sort_keys=False, width=120)


if __name__ == "__main__":
    main()
