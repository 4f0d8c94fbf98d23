"""Built-in rules, written in Python because they check the manifest's own
structure at the exact line of a reference rather than at a component."""

from __future__ import annotations

from collections.abc import Iterator

from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.manifest import Component, Stack
from stackpolicy.policy import Policy
from stackpolicy.vocabulary import LIST_REFERENCES, SCALAR_REFERENCES

REFERENCES = Policy(
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
    scope="builtin",
    tags=("lineage", "references"),
    help_uri="https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#sp-ref-001",
    location=Location("stackpolicy:builtin"),
)

BUILTINS = (REFERENCES,)


def references(stack: Stack) -> list[Finding]:
    """A finding at every reference that names no component, or its own component."""
    names = {c.name for c in stack.components}
    findings = []
    for component in stack.components:
        for path, target in _references(component):
            if target == component.name:
                problem = "refers to itself"
            elif target not in names:
                problem = "is not a component of the stack"
            else:
                continue
            field = path[0]
            findings.append(
                Finding(
                    policy_id=REFERENCES.id,
                    severity=REFERENCES.severity,
                    message=f"{component.name} ({component.kind}): {field} {target!r} {problem}",
                    location=component.field_location(*path),
                    component=component.name,
                    layer=component.layer,
                    title=REFERENCES.title,
                    key=f"{field}:{target}",
                )
            )
    return findings


def _references(component: Component) -> Iterator[tuple[tuple[str | int, ...], str]]:
    data = component.data
    for field in LIST_REFERENCES:
        for index, target in enumerate(data.get(field) or ()):
            yield (field, index), target
    for field in SCALAR_REFERENCES:
        if field in data:
            yield (field,), data[field]
