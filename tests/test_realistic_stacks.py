"""The bundled library on realistic stacks that are run well: a fintech, a
retailer and a research lab (tests/fixtures/stacks). Each uses what real
stacks use (vendor-hosted foundation models, bought and downloaded datasets,
a scheduler instead of an orchestrator, managed pipelines) and breaks no
rule's intent, so any finding is a rule that misfires."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import default_backend
from stackpolicy.engine import evaluate
from stackpolicy.inputs import load_stack
from stackpolicy.policyfile import load_policies
from stackpolicy.resources import bundled_policies
from stackpolicy.rules import STACK_RULES
from stackpolicy.settings import POLICY_MEMORY_BYTES
from stackpolicy.stack import LoadedStack

STACKS = Path(__file__).resolve().parent / "fixtures" / "stacks"
NAMES = ["fintech", "retailer", "research-lab"]


def _check(loaded: LoadedStack) -> list[str]:
    assert not loaded.errors, loaded.errors
    backend = default_backend()
    library = load_policies([bundled_policies()], backend)
    assert not library.errors
    result = evaluate(
        loaded.stack, (*STACK_RULES, *library.policies), backend, 60.0, POLICY_MEMORY_BYTES
    )
    assert not result.errors, result.errors
    return [f"{f.location}: {f.policy_id} {f.message}" for f in result.findings]


@pytest.mark.parametrize("name", NAMES)
def test_the_bundled_library_does_not_misfire(name: str) -> None:
    loaded = load_stack([STACKS / name])
    assert len(loaded.stack.components) >= 25  # a stack, not a toy
    assert {c.layer for c in loaded.stack.components} >= {
        "data-platform",
        "training",
        "inference",
        "governance",
    }
    assert _check(loaded) == []


@pytest.mark.parametrize("name", NAMES)
def test_the_same_stacks_fail_when_something_real_is_missing(name: str) -> None:
    """The clean result is not for lack of policies that apply: without its
    model cards each stack fails SP-GOV-004 on every production model."""
    loaded = load_stack([STACKS / name])
    stack = loaded.stack
    kept = tuple(c for c in stack.components if c.kind != "model-card")
    without = LoadedStack(type(stack)(stack.name, stack.org, kept, stack.files, stack.anchor), ())
    production = {
        c.name for c in kept if c.kind == "model" and c.data.get("environment") == "production"
    }
    found = {line.split(" ")[2] for line in _check(without) if " SP-GOV-004 " in line}
    assert production and found == production


@pytest.mark.parametrize("name", NAMES)
def test_vendor_hosted_models_are_in_the_stacks(name: str) -> None:
    """What SP-TRN-001 used to report: production models nobody here trained."""
    stack = load_stack([STACKS / name]).stack
    assert any(
        c.kind in ("model", "embedding-model", "dataset")
        and "vendor" in c.data
        and "trained_by" not in c.data
        for c in stack.components
    )
