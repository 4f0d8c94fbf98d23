"""`trace`: one component's lineage, for the incident question "the chatbot
gives wrong refund information; what is it built from?".

Upstream is what the component is built from (service -> model and its
version -> the training or fine-tuning job -> its datasets -> their sources,
the base model); downstream is who consumes it. Each hop says its owner,
where it is declared, what watches it (components whose `targets` name it:
monitors, guardrails, evaluations, audit logs, ...), what runs it, and the
findings of a normal check on it. Where the chain stops short of its origin
(a model nobody recorded the training of, a reference to nothing) is a
break, with the findings of the policies that say so.

Computed from the stack and a check's findings; output/trace_*.py present it.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from stackpolicy.audit import targets
from stackpolicy.errors import UsageError
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.policy import Policy
from stackpolicy.stack import Component, Stack

# Fields that name what a component is built from, in the order a trace follows them.
UPSTREAM = (
    "model",
    "rollback_to",
    "trained_by",
    "base_model",
    "datasets",
    "reads_from",
    "depends_on",
    "runs_on",
)
# What must be named for the chain to go on to its origin, by kind.
EXPECTED: Mapping[str, tuple[str, ...]] = {
    "inference-service": ("model",),
    "batch-inference-job": ("model",),
    "model": ("trained_by",),
    "training-job": ("datasets",),
    "fine-tuning-job": ("datasets", "base_model"),
    "dataset": ("reads_from",),
}
JOB_KINDS = ("training-job", "fine-tuning-job")
MAX_HOPS = 500
"""Hops listed per direction; a hub (a shared feature store) can feed thousands."""


@dataclass(frozen=True)
class Attached:
    """A component that names the hop in `targets`: a monitor, guardrail, ..."""

    name: str
    kind: str
    location: Location


@dataclass(frozen=True)
class Hop:
    name: str
    depth: int
    """0 for the traced component, 1 for what it names, ..."""
    via: str
    """The field that leads here from the hop above (`model`, `datasets`, ...)."""
    parent: str | None
    component: Component | None
    """None when the reference names no component of the stack."""
    attached: tuple[Attached, ...] = ()
    orchestrators: tuple[str, ...] = ()
    """What runs it: its `orchestrated_by`, and workflows that name it."""
    findings: tuple[Finding, ...] = ()
    repeated: bool = False
    """Already listed above (a shared dataset, a cycle): not followed again."""

    @property
    def location(self) -> Location | None:
        return self.component.location if self.component else None


@dataclass(frozen=True)
class Break:
    """Where the chain stops short of its origin, and who says so."""

    at: str
    field: str
    reason: str
    findings: tuple[Finding, ...]
    """The findings on that hop that say so; empty when no policy does."""
    candidates: tuple[str, ...] = ()
    """Jobs of the same owner that no model names: maybe the missing link."""


@dataclass(frozen=True)
class Trace:
    subject: str
    upstream: tuple[Hop, ...]
    """Depth first, the traced component first."""
    downstream: tuple[Hop, ...]
    """Who consumes it, depth first, the traced component first."""
    breaks: tuple[Break, ...]
    truncated: tuple[int, int]
    """Hops left out (upstream, downstream) beyond MAX_HOPS: at least this many,
    as the walk stops there and does not count what lies beyond them."""


def find(stack: Stack, name: str) -> Component:
    """The component called `name`, or a usage error that suggests the closest names."""
    component = stack.by_name.get(name)
    if component is not None:
        return component
    close = difflib.get_close_matches(name, list(stack.by_name), n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
    raise UsageError(
        f"no component named {name!r} in the stack{hint}", Location.nowhere("command line")
    )


def trace(
    stack: Stack, name: str, findings: Sequence[Finding], policies: Sequence[Policy] = ()
) -> Trace:
    subject = find(stack, name)
    graph = _Graph(stack, findings)
    upstream, up_left = _walk(subject, graph, graph.upstream)
    downstream, down_left = _walk(subject, graph, graph.downstream)
    fields = {p.id: p.field for p in policies}
    breaks = tuple(b for hop in upstream if not hop.repeated for b in _breaks(hop, graph, fields))
    return Trace(subject.name, upstream, downstream, breaks, (up_left, down_left))


class _Graph:
    """The stack's references both ways, what targets what, and findings by component."""

    def __init__(self, stack: Stack, findings: Sequence[Finding]) -> None:
        self.stack = stack
        self.consumers: dict[str, list[tuple[str, str]]] = {}
        self.writers: dict[str, list[str]] = {}
        self.attached: dict[str, list[Component]] = {}
        self.workflows: dict[str, list[str]] = {}
        for component in stack.components:
            for field in (*UPSTREAM, "writes_to", "targets"):
                for target in targets(component, field):
                    self._index(component, field, target)
        self.findings: dict[str, list[Finding]] = {}
        for finding in sorted(findings, key=Finding.sort_key):
            if finding.component is not None:
                self.findings.setdefault(finding.component, []).append(finding)

    def _index(self, component: Component, field: str, target: str) -> None:
        if field == "targets":
            self.attached.setdefault(target, []).append(component)
        elif field == "writes_to":  # the writer is upstream of what it writes
            self.writers.setdefault(target, []).append(component.name)
        else:
            self.consumers.setdefault(target, []).append((component.name, field))
            if component.kind in ("workflow", "scheduler") and field == "depends_on":
                self.workflows.setdefault(target, []).append(component.name)

    def upstream(self, component: Component) -> Iterator[tuple[str, str]]:
        for field in UPSTREAM:
            for target in targets(component, field):
                yield target, field
        for writer in self.writers.get(component.name, ()):
            yield writer, "written by"

    def downstream(self, component: Component) -> Iterator[tuple[str, str]]:
        yield from self.consumers.get(component.name, ())
        for target in targets(component, "writes_to"):
            yield target, "writes_to"

    def hop(self, name: str, depth: int, via: str, parent: str | None, seen: bool) -> Hop:
        component = self.stack.by_name.get(name)
        if component is None or seen:
            return Hop(name, depth, via, parent, component, repeated=seen)
        runs = (
            [str(component.data["orchestrated_by"])]
            if component.data.get("orchestrated_by")
            else []
        )
        runs += [
            f"{w} ({self.stack.by_name[w].data.get('orchestrated_by', 'by hand')})"
            for w in self.workflows.get(name, ())
        ]
        attached = tuple(Attached(a.name, a.kind, a.location) for a in self.attached.get(name, ()))
        return Hop(
            name,
            depth,
            via,
            parent,
            component,
            attached,
            tuple(runs),
            tuple(self.findings.get(name, ())),
        )


Edges = Callable[[Component], Iterator[tuple[str, str]]]


def _walk(subject: Component, graph: _Graph, edges: Edges) -> tuple[tuple[Hop, ...], int]:
    """Depth first from `subject`, each component expanded once; at most MAX_HOPS."""
    hops: list[Hop] = []
    seen: set[str] = set()
    left = 0
    stack: list[tuple[str, int, str, str | None]] = [(subject.name, 0, "", None)]
    while stack:
        name, depth, via, parent = stack.pop()
        if len(hops) >= MAX_HOPS:
            left += 1
            continue
        hop = graph.hop(name, depth, via, parent, name in seen)
        hops.append(hop)
        if hop.component is None or hop.repeated:
            continue
        seen.add(name)
        children = [(t, depth + 1, f, name) for t, f in edges(hop.component)]
        stack.extend(reversed(children))
    return tuple(hops), left


def _breaks(hop: Hop, graph: _Graph, fields: Mapping[str, str | None]) -> Iterator[Break]:
    if hop.component is None:
        said = tuple(
            f for f in graph.findings.get(hop.parent or "", ()) if repr(hop.name) in f.message
        )
        yield Break(
            hop.parent or hop.name,
            hop.via,
            f"{hop.parent} names {hop.name!r} in {hop.via}, which is not a component of the stack",
            said,
        )
        return
    component = hop.component
    for field in EXPECTED.get(component.kind, ()):
        if targets(component, field):
            continue
        if component.kind == "model" and (
            component.data.get("vendor") or targets(component, "base_model")
        ):
            continue  # a vendor's foundation model is where the chain starts
        said = tuple(f for f in hop.findings if fields.get(f.policy_id) == field)
        said = said or tuple(f for f in hop.findings if field in f.message)
        yield Break(
            component.name,
            field,
            f"{component.name} ({component.kind}) has no {field}: {_meaning(field)}",
            said,
            _candidates(component, graph) if field == "trained_by" else (),
        )


def _meaning(field: str) -> str:
    return {
        "model": "which model it serves is not recorded",
        "trained_by": "nobody recorded the job that trained it",
        "datasets": "the data it learned from is not recorded",
        "base_model": "the model it starts from is not recorded",
        "reads_from": "where its data comes from is not recorded",
    }.get(field, "the chain stops here")


def _candidates(model: Component, graph: _Graph) -> tuple[str, ...]:
    """Jobs of the model's owner that no model names in trained_by."""
    owner = model.data.get("owner")
    named = {t for c in graph.stack.by_kind.get("model", ()) for t in targets(c, "trained_by")}
    return tuple(
        c.name
        for kind in JOB_KINDS
        for c in graph.stack.by_kind.get(kind, ())
        if c.data.get("owner") == owner and c.name not in named
    )
