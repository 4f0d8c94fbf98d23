"""SP-REF-001: every reference names a component of the stack (not itself).

Written in Python because it checks the manifest's own structure at the
exact place of each reference rather than at a component."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass

from stackpolicy.policy import BUILTIN, Policy
from stackpolicy.rules.base import Checked, StackContext, finding
from stackpolicy.stack import Component
from stackpolicy.suggest import Names
from stackpolicy.vocabulary import LIST_REFERENCES, SCALAR_REFERENCES

POLICY = Policy(
    id="SP-REF-001",
    title="References resolve to components of the stack",
    description=(
        "Fields such as depends_on, targets, model and trained_by name other components. "
        "A name that matches no component (a typo, a component that was removed, or one "
        "defined in a file that is not part of the stack) breaks lineage, monitoring and "
        "every rule that follows the reference. A component that names itself is also wrong."
    ),
    remediation=(
        "Fix the name, add the missing component to the stack, or include the file that "
        "defines it in the paths you check."
    ),
    severity="error",
    layer="governance",
    scope="component",
    tags=("lineage", "references"),
    help_uri="https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#sp-ref-001",
    location=BUILTIN,
    builtin=True,
)


@dataclass(frozen=True)
class References:
    policy: Policy = POLICY

    def with_policy(self, policy: Policy) -> References:
        return dataclasses.replace(self, policy=policy)

    def check(self, context: StackContext) -> Checked:
        """A finding at every reference that names no component, or its own component."""
        names = context.stack.by_name
        suggestions: Names | None = None  # indexed at the first dangling reference
        found = []
        for component in context.stack.components:
            for path, target in _references(component):
                if target == component.name:
                    problem = "refers to itself"
                elif target not in names:
                    suggestions = suggestions or Names(names)
                    hint = suggestions.did_you_mean(target)
                    problem = "is not a component of the stack" + hint
                else:
                    continue
                field = path[0]
                message = f"{component.name} ({component.kind}): {field} {target!r} {problem}"
                where = component.field_location(*path)
                found.append(finding(self.policy, message, where, component, f"{field}:{target}"))
        return Checked(tuple(found))


def _references(component: Component) -> Iterator[tuple[tuple[str | int, ...], str]]:
    data = component.data
    for field in LIST_REFERENCES:
        for index, target in enumerate(data.get(field) or ()):
            yield (field, index), target
    for field in SCALAR_REFERENCES:
        if field in data:
            yield (field,), data[field]
