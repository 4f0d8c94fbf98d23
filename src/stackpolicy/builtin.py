"""Built-in rules, written in Python because they check the manifest's own
structure at the exact line of a reference rather than at a component."""

from __future__ import annotations

from collections.abc import Iterator

from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.stack import Component, Stack
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
    location=Location("stackpolicy:builtin", in_file=False),
)

CYCLES = Policy(
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
    scope="builtin",
    tags=("references", "reliability"),
    help_uri="https://github.com/stackpolicy/stackpolicy/blob/main/docs/policies.md#sp-ref-002",
    location=Location("stackpolicy:builtin", in_file=False),
)

BUILTINS = (REFERENCES, CYCLES)


def builtin_findings(stack: Stack) -> list[Finding]:
    return [*references(stack), *cycles(stack)]


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


def cycles(stack: Stack) -> list[Finding]:
    """One finding per depends_on cycle, at the entry that closes it.

    An iterative depth-first search (deep chains must not hit Python's
    recursion limit), linear in components plus dependencies."""
    by_name = {c.name: c for c in stack.components}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    findings = []
    for root in stack.components:
        if root.name in state:
            continue
        path: list[tuple[Component, Iterator[tuple[int, str]]]] = []
        state[root.name] = 1
        path.append((root, iter(enumerate(root.data.get("depends_on") or ()))))
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
                findings.append(
                    Finding(
                        policy_id=CYCLES.id,
                        severity=CYCLES.severity,
                        message=f"dependency cycle: {' -> '.join(loop)}",
                        location=component.field_location("depends_on", index),
                        component=component.name,
                        layer=component.layer,
                        title=CYCLES.title,
                        key=target,
                    )
                )
            elif target not in state:
                state[target] = 1
                nxt = by_name[target]
                path.append((nxt, iter(enumerate(nxt.data.get("depends_on") or ()))))
    return findings
