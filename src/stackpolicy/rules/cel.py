"""CEL policies as rules: a compiled policy judges the stack through the CEL
seam (stackpolicy.cel), component by component (a chunk of them per
evaluation where the engine can, one at a time where a chunk fails) or the
stack at once.

The stack is converted to CEL values once per run (`bind`): every
component, and indexes over them (by name, by kind, by layer, and who
references whom), so a rule like "every inference service has a monitor"
looks things up instead of scanning the stack for each component.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from stackpolicy.cel import CHUNK, AnyBackend, Binding, CelEvalError, PolicyProgram
from stackpolicy.errors import PolicyError, StackpolicyError
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.rules.base import Checked, StackContext, finding
from stackpolicy.stack import Component, Stack
from stackpolicy.vocabulary import KIND_LAYER, LAYERS, LIST_REFERENCES, REFERENCE_FIELDS


@dataclass(frozen=True)
class CompiledPolicy:
    """A CEL policy with every expression compiled once, by one backend."""

    policy: Policy
    program: PolicyProgram

    def with_policy(self, policy: Policy) -> CompiledPolicy:
        return dataclasses.replace(self, policy=policy)

    def check(self, context: StackContext) -> Checked:
        """Its findings; a failure at run time is an error, and the policy stops
        only where it must (each component is judged on its own)."""
        run = _Run(self, context)
        run.run()
        return Checked(tuple(run.findings), tuple(run.errors()), run.evaluations)


def bind(stack: Stack, policies: Sequence[CompiledPolicy], backend: AnyBackend) -> Binding[Any]:
    """The stack and every policy's params, as CEL sees them, bound once."""
    plain_stack, plain_components = stack_data(stack)
    params = {c.policy.id: dict(c.policy.params) for c in policies}
    programs = [c.program for c in policies]
    return backend.bind(plain_stack, plain_components, params, programs)


def stack_data(stack: Stack) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Plain data for CEL: the stack with its indexes, and each component.

    Each component is its fields as written, plus `layer`, empty defaults for
    `labels` and the list references, `referrers`: for every reference field,
    the names of the components that reference this one through it, and
    `referrer_layers`: the layers those components are in (so "is this store
    read by inference?" is one lookup, not a walk over its readers).
    """
    components = [_component_data(c) for c in stack.components]
    by_name = {c.name: data for c, data in zip(stack.components, components, strict=True)}
    layers_of: dict[str, set[str]] = {}
    for component in stack.components:
        for field in REFERENCE_FIELDS:
            value = component.data.get(field)
            for target in value if isinstance(value, list) else [value] if value else []:
                if target in by_name:
                    by_name[target]["referrers"][field].append(component.name)
                    layers_of.setdefault(target, set()).add(component.layer)
    for name, layers in layers_of.items():
        by_name[name]["referrer_layers"] = [layer for layer in LAYERS if layer in layers]
    # The indexes hold names: each component is converted to CEL once, in
    # `components` and `by_name`, not once per index it appears in.
    by_kind: dict[str, list[str]] = {kind: [] for kind in KIND_LAYER}
    by_layer: dict[str, list[str]] = {layer: [] for layer in LAYERS}
    for component in stack.components:
        by_kind.setdefault(component.kind, []).append(component.name)
        by_layer[component.layer].append(component.name)
    stack_map = {
        "name": stack.name or "",
        "org": stack.org or "",
        "components": components,
        "by_name": by_name,
        "by_kind": by_kind,
        "by_layer": by_layer,
    }
    return stack_map, components


def _component_data(component: Component) -> dict[str, Any]:
    data = dict(component.data)
    data["layer"] = component.layer
    data.setdefault("labels", {})
    for field in LIST_REFERENCES:
        data.setdefault(field, [])
    data["referrers"] = {field: [] for field in REFERENCE_FIELDS}
    data["referrer_layers"] = []
    return data


class _Failure(Exception):
    """A policy part failed on one subject."""

    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part
        self.message = f"{part}: {message}"


class _Run:
    """One policy over the stack: its findings and its failures."""

    def __init__(self, compiled: CompiledPolicy, context: StackContext) -> None:
        assert context.binding is not None, "the engine binds the stack for CEL policies"
        self.compiled = compiled
        self.policy: Policy = compiled.policy
        self.context = context
        self.binding = context.binding
        self.stack = context.stack
        self.findings: list[Finding] = []
        self.failures: list[tuple[str, _Failure]] = []
        self.timed_out: _Failure | None = None
        self.evaluations = 0

    def run(self) -> None:
        if self.policy.scope != "component":
            try:
                self._stack()
            except _Failure as failure:
                self.failures.append(("", failure))
            return
        deadline = time.monotonic() + self.context.time_budget
        candidates = self._candidates()
        for start in range(0, len(candidates), CHUNK):
            if time.monotonic() > deadline:
                self.timed_out = self._out_of_time(start, len(candidates))
                return
            chunk = candidates[start : start + CHUNK]
            if not self._chunk(chunk):
                self._one_by_one(chunk, deadline, start, len(candidates))
                if self.timed_out is not None:
                    return

    def _chunk(self, chunk: Sequence[Component]) -> bool:
        """Judge `chunk` in one evaluation (two with messages); False when the
        engine cannot, and nothing is recorded: then each is judged alone."""
        if len(chunk) < 2 or not self.binding.batches:
            return False
        order = self.stack.order
        self.evaluations += 1
        failing = self.binding.failing(self.compiled.program, [order[c] for c in chunk])
        if failing is None:
            return False
        failed = [self.stack.components[i] for i in failing]
        if self.policy.message is None or not failed:
            messages: Sequence[str] | None = [self.policy.title] * len(failed)
        else:
            self.evaluations += 1
            messages = self.binding.messages(self.compiled.program, failing)
        if messages is None:  # each message alone, as `_component` words its failure
            self._messages_one_by_one(failed)
            return True
        for component, message in zip(failed, messages, strict=True):
            self.findings.append(finding(self.policy, message, self._where(component), component))
        return True

    def _messages_one_by_one(self, failed: Sequence[Component]) -> None:
        for component in failed:
            try:
                self._finding(component, self._where(component))
            except _Failure as failure:
                self.failures.append((component.name, failure))

    def _one_by_one(
        self, chunk: Sequence[Component], deadline: float, done: int, total: int
    ) -> None:
        for offset, component in enumerate(chunk):
            if time.monotonic() > deadline:
                self.timed_out = self._out_of_time(done + offset, total)
                return
            try:
                self._component(component)
            except _Failure as failure:
                self.failures.append((component.name, failure))

    def _out_of_time(self, done: int, total: int) -> _Failure:
        budget = self.context.time_budget
        return _Failure(
            "assert",
            f"stopped after {budget:g} s with {done} of {total} components evaluated "
            "(the policy time budget, --policy-timeout)",
        )

    def errors(self) -> list[StackpolicyError]:
        """The first failure of the policy, with how many more there were, and
        whether it ran out of time."""
        errors: list[StackpolicyError] = []
        if self.failures:
            subject, failure = self.failures[0]
            on = f" on component {subject!r}" if subject else ""
            more = len(self.failures) - 1
            tail = f" (and {more} more component{'s' if more > 1 else ''})" if more else ""
            where = self.policy.expression(failure.part).location
            errors.append(PolicyError(f"{self.policy.id}{on}: {failure.message}{tail}", where))
        if self.timed_out is not None:
            where = self.policy.expression(self.timed_out.part).location
            errors.append(PolicyError(f"{self.policy.id}: {self.timed_out.message}", where))
        return errors

    def _candidates(self) -> list[Component]:
        """The components a component-scope policy applies to, in stack order."""
        kinds = self.policy.kinds
        if not kinds:
            return list(self.stack.components)
        by_kind = self.stack.by_kind
        chosen = [c for kind in dict.fromkeys(kinds) for c in by_kind.get(kind, [])]
        return sorted(chosen, key=self.stack.order.__getitem__)

    def _component(self, component: Component) -> None:
        subject = self.stack.order[component]
        if self.policy.match is not None and not self._bool("match", subject):
            return
        if self._bool("assert", subject):
            return
        self._finding(component, self._where(component))

    def _where(self, component: Component) -> Location:
        if self.policy.field:
            return component.field_location(self.policy.field)
        return component.location

    def _stack(self) -> None:
        if self._bool("assert", None):
            return
        if self.policy.locate is None:
            self._finding(None, self.stack.anchor)
            return
        names = self._evaluate("locate", None)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _Failure("locate", f"expected a list of component names, got {_type_name(names)}")
        for name in dict.fromkeys(names):
            component = self.stack.by_name.get(name)
            if component is None:
                raise _Failure("locate", f"{name!r} is not a component of the stack")
            self._finding(component, component.location)

    def _finding(self, component: Component | None, where: Location) -> None:
        message = self.policy.title
        if self.policy.message is not None:
            subject = None if component is None else self.stack.order[component]
            message = self._evaluate("message", subject)
            if not isinstance(message, str):
                raise _Failure("message", f"expected a string, got {_type_name(message)}")
        self.findings.append(finding(self.policy, message, where, component))

    def _bool(self, part: str, subject: int | None) -> bool:
        result = self._evaluate(part, subject)
        if not isinstance(result, bool):
            raise _Failure(part, f"expected a bool, got {_type_name(result)}")
        return result

    def _evaluate(self, part: str, subject: int | None) -> Any:
        self.evaluations += 1
        try:
            return self.binding.evaluate(self.compiled.program, part, subject)
        except CelEvalError as exc:
            raise _Failure(exc.part, exc.message) from None


def _type_name(value: Any) -> str:
    names = {
        bool: "bool",
        int: "int",
        float: "double",
        str: "string",
        list: "list",
        dict: "map",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)
