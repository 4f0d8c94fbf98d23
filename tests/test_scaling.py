"""No bundled rule may be quadratic in the number of components.

Counts work, never time: comprehension steps (what the iteration budget
counts) and evaluations, per policy, on generated stacks of two sizes.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT
from stackpolicy import cel, engine
from stackpolicy.cel import celpy_backend
from stackpolicy.inputs import load_stack
from stackpolicy.policyfile import LoadedPolicies, load_policies
from stackpolicy.rules import cel as rules_cel
from stackpolicy.settings import DEFAULT_POLICY_TIMEOUT

SMALL, LARGE = 200, 800  # 4x the components


def generator() -> Any:
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def stacks(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("stacks")
    paths = {}
    for size in (SMALL, LARGE):
        paths[size] = folder / f"stack-{size}.yaml"
        paths[size].write_text(yaml.safe_dump(generator().stack(size), sort_keys=False))
    return paths


def work(path: Path, library: LoadedPolicies, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Comprehension steps plus evaluations, per policy id."""
    counts: Counter[str] = Counter()
    current: list[str] = [""]
    tick, run, evaluate = (
        celpy_backend._Budget.tick,
        rules_cel._Run.run,
        celpy_backend.CelPythonBinding.evaluate,
    )

    def counted_tick(self: Any) -> None:
        counts[current[0]] += 1
        tick(self)

    def counted_run(self: Any) -> None:
        current[0] = self.policy.id
        run(self)

    def counted_evaluate(self: Any, *args: Any) -> Any:
        counts[current[0]] += 1
        return evaluate(self, *args)

    with monkeypatch.context() as patch:
        patch.setattr(celpy_backend._Budget, "tick", counted_tick)
        patch.setattr(rules_cel._Run, "run", counted_run)
        patch.setattr(celpy_backend.CelPythonBinding, "evaluate", counted_evaluate)
        stack = load_stack([path]).stack
        # In this process (no budgets, so no worker), where the counters are.
        context = engine.stack_context(
            stack, library.policies, cel.backend("celpy"), DEFAULT_POLICY_TIMEOUT
        )
        engine.run_rules(library.policies, context)
    return counts


def superlinear(small: Counter[str], large: Counter[str]) -> Iterator[str]:
    ratio = LARGE / SMALL
    for policy_id, count in large.items():
        # Linear work grows by `ratio`; allow slack for the generator's
        # rounding and a constant, and catch anything near ratio**2.
        if count > 1.5 * ratio * small[policy_id] + 50:
            yield f"{policy_id}: {small[policy_id]} -> {count} steps+evaluations"


def test_every_bundled_rule_is_linear(
    stacks: dict[int, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    library = load_policies([ROOT / "policies"], cel.backend("celpy"))
    small = work(stacks[SMALL], library, monkeypatch)
    large = work(stacks[LARGE], library, monkeypatch)
    assert len(large) >= 30  # every policy did some work
    assert list(superlinear(small, large)) == []


def test_a_rule_that_walks_the_stack_per_component_is_caught(
    stacks: dict[int, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "quadratic.yaml").write_text(
        """
apiVersion: stackpolicy/v1
kind: PolicySet
policies:
  - id: T-QUAD-001
    title: Models have a unique name (written the slow way)
    description: d
    severity: note
    layer: training
    scope: component
    kinds: [model]
    assert: stack.components.filter(c, c.name == component.name).size() == 1
""",
        encoding="utf-8",
    )
    library = load_policies([tmp_path], cel.backend("celpy"))
    small = work(stacks[SMALL], library, monkeypatch)
    large = work(stacks[LARGE], library, monkeypatch)
    assert [line.split(":")[0] for line in superlinear(small, large)] == ["T-QUAD-001"]
