"""Evaluation: run rules over what they judge and collect findings and errors.

A rule that fails is reported and the others still run; each rule is
bounded by the time budget and the memory budget (in a worker process,
stackpolicy.worker), and every CEL evaluation by the iteration budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from stackpolicy.cel import AnyBackend
from stackpolicy.errors import StackpolicyError
from stackpolicy.findings import Finding
from stackpolicy.rules.base import Checked, Rule, StackContext
from stackpolicy.rules.cel import CompiledPolicy, bind
from stackpolicy.stack import Stack
from stackpolicy.worker import Budgets, available, run_checks

ContextT = TypeVar("ContextT")


@dataclass(frozen=True)
class Evaluation:
    findings: tuple[Finding, ...]
    errors: tuple[StackpolicyError, ...]
    evaluations: int = 0
    """How many CEL evaluations the run took (for --stats and the benchmark)."""


def stack_context(
    stack: Stack, rules: Sequence[Rule[StackContext]], backend: AnyBackend, time_budget: float
) -> StackContext:
    """The context for stack rules; the CEL view is bound only when a CEL policy runs."""
    policies = [r for r in rules if isinstance(r, CompiledPolicy)]
    binding = bind(stack, policies, backend) if policies else None
    return StackContext(stack, binding, time_budget)


def run_rules(
    rules: Sequence[Rule[ContextT]], context: ContextT, budgets: Budgets | None = None
) -> Evaluation:
    """Every rule's findings and errors; with `budgets` (where a worker process
    is available), each rule is stopped at its time or memory budget."""
    if budgets is not None and available() and rules:
        results = run_checks(rules, context, budgets, _check)
    else:
        results = [rule.check(context) for rule in rules]
    findings: list[Finding] = []
    errors: list[StackpolicyError] = []
    evaluations = 0
    for checked in results:
        findings += checked.findings
        errors += checked.errors
        evaluations += checked.evaluations
    return Evaluation(tuple(findings), tuple(errors), evaluations)


def _check(rule: Rule[ContextT], context: ContextT) -> Checked:
    return rule.check(context)


def evaluate(
    stack: Stack,
    rules: Sequence[Rule[StackContext]],
    backend: AnyBackend,
    time_budget: float,
    memory_budget: int,
) -> Evaluation:
    """Every finding of `rules` on `stack`; each rule may take `time_budget`
    seconds and `memory_budget` bytes more than the bound stack."""
    context = stack_context(stack, rules, backend, time_budget)
    return run_rules(rules, context, Budgets(time_budget, memory_budget))
