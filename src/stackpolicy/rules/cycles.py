"""SP-REF-002: depends_on has no cycle."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from stackpolicy.findings import Finding
from stackpolicy.policy import BUILTIN, Policy
from stackpolicy.rules.base import Checked, StackContext, finding
from stackpolicy.stack import Component

POLICY = Policy(
    id="SP-REF-002",
    title="Dependencies do not form a cycle",
    description=(
        "depends_on says what a component needs in order to run. A cycle (a needs b, b "
        "needs a) means neither can be deployed, restarted or rolled back first, and any "
        "rule that follows dependencies would never finish."
    ),
    remediation="Remove the depends_on entry that closes the cycle, or split the component.",
    severity="error",
    layer="governance",
    scope="component",
    tags=("references", "reliability"),
    help_uri="https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#sp-ref-002",
    location=BUILTIN,
    builtin=True,
)


@dataclass(frozen=True)
class Cycles:
    policy: Policy = POLICY

    def with_policy(self, policy: Policy) -> Cycles:
        return dataclasses.replace(self, policy=policy)

    def check(self, context: StackContext) -> Checked:
        """One finding per depends_on cycle, at the entry that closes it.

        An iterative depth-first search (deep chains must not hit Python's
        recursion limit), linear in components plus dependencies."""
        by_name = context.stack.by_name
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        found: list[Finding] = []
        for root in context.stack.components:
            if root.name in state:
                continue
            state[root.name] = 1
            path: list[tuple[Component, Iterator[tuple[int, str]]]] = [(root, _edges(root))]
            while path:
                component, edges = path[-1]
                step = next(edges, None)
                if step is None:
                    state[component.name] = 2
                    path.pop()
                    continue
                index, target = step
                if target == component.name or target not in by_name:
                    continue  # self and dangling references are SP-REF-001's
                if state.get(target) == 1:
                    names = [c.name for c, _ in path]
                    loop = [*names[names.index(target) :], target]
                    message = f"dependency cycle: {' -> '.join(loop)}"
                    where = component.field_location("depends_on", index)
                    found.append(finding(self.policy, message, where, component, target))
                elif target not in state:
                    state[target] = 1
                    path.append((by_name[target], _edges(by_name[target])))
        return Checked(tuple(found))


def _edges(component: Component) -> Iterator[tuple[int, str]]:
    return iter(enumerate(component.data.get("depends_on") or ()))
