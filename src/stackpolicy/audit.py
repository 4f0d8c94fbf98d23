"""The seven-layer audit: which layers a stack has, which it only assumes,
where it duplicates, and which one or two layers carry the most risk.

Computed from the stack and the findings of a normal check; the output
modules (output/audit_*.py) only present it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from stackpolicy.findings import SEVERITIES, SEVERITY_RANK, Finding, Severity
from stackpolicy.stack import Component, Stack
from stackpolicy.vocabulary import LAYERS, REFERENCE_FIELDS

# Kinds where two of them usually mean two teams solving one problem twice.
CAPABILITIES = (
    "warehouse",
    "lakehouse",
    "data-lake",
    "vector-store",
    "feature-store",
    "orchestrator",
    "experiment-tracker",
    "model-registry",
    "model-gateway",
    "tracing",
)

# A layer is only partly covered when a layer it relies on is empty.
NEEDS = (
    ("inference", "observability", "inference runs without monitoring or evaluation"),
    ("inference", "governance", "inference runs without guardrails, audit or access policy"),
    ("training", "orchestration", "training runs without an orchestrator"),
    ("training", "data-platform", "models are trained without a data platform behind them"),
    ("features-embeddings", "data-platform", "features and embeddings have no data platform"),
)

# Risk points, to rank layers for "the next 90 days".
EMPTY_POINTS, GAP_POINTS, ERROR_POINTS, WARNING_POINTS, DUPLICATE_POINTS = 10, 4, 3, 1, 2


@dataclass(frozen=True)
class Duplication:
    kind: str
    components: tuple[str, ...]
    groups: tuple[str, ...]
    """The departments (labels.department, else owners) the copies belong to."""

    def describe(self) -> str:
        return (
            f"{len(self.components)} {self.kind}s across {len(self.groups)} "
            f"departments ({', '.join(self.groups)})"
        )


@dataclass(frozen=True)
class LayerAudit:
    layer: str
    title: str
    components: tuple[Component, ...]
    kinds: tuple[tuple[str, int], ...]
    owners: tuple[str, ...]
    vendors: tuple[str, ...]
    environments: tuple[tuple[str, int], ...]
    status: str
    """present, partial or empty."""
    gaps: tuple[str, ...]
    duplications: tuple[Duplication, ...]
    findings: tuple[tuple[str, int], ...]
    """Findings in this layer by severity: error, warning, note."""
    risk: int
    reasons: tuple[str, ...]
    """Why the layer carries risk, most important first."""


@dataclass(frozen=True)
class Audit:
    stack_name: str
    org: str
    layers: tuple[LayerAudit, ...]
    """Bottom (data platform) to top (governance)."""
    focus: tuple[LayerAudit, ...]
    """The one or two layers with the most risk: where to spend the next 90 days."""
    worst: dict[str, Severity]
    """Component name -> its most severe finding's severity."""
    references: tuple[tuple[str, str], ...]
    """(from, to) for every reference between components, for the picture."""


def audit(stack: Stack, findings: Sequence[Finding]) -> Audit:
    by_layer: dict[str, list[Component]] = {layer: [] for layer in LAYERS}
    for component in stack.components:
        by_layer[component.layer].append(component)
    counts: dict[str, Counter[str]] = {layer: Counter() for layer in LAYERS}
    worst: dict[str, Severity] = {}
    for finding in findings:
        counts[finding.layer][finding.severity] += 1
        if finding.component is not None:
            current = worst.get(finding.component)
            if current is None or SEVERITY_RANK[finding.severity] > SEVERITY_RANK[current]:
                worst[finding.component] = finding.severity
    layers = tuple(_layer(layer, by_layer[layer], by_layer, counts[layer]) for layer in LAYERS)
    ranked = sorted((a for a in layers if a.risk > 0), key=lambda a: -a.risk)
    names = {c.name for c in stack.components}
    references = tuple(
        (c.name, target)
        for c in stack.components
        for field in REFERENCE_FIELDS
        for target in _targets(c, field)
        if target in names and target != c.name
    )
    return Audit(stack.name or "", stack.org or "", layers, tuple(ranked[:2]), worst, references)


def _layer(
    layer: str,
    components: list[Component],
    by_layer: dict[str, list[Component]],
    findings: Counter[str],
) -> LayerAudit:
    gaps = tuple(
        reason
        for needy, needed, reason in NEEDS
        if needy == layer and components and not by_layer[needed]
    )
    status = "empty" if not components else "partial" if gaps else "present"
    duplications = _duplications(components)
    reasons = []
    if not components:
        reasons.append(f"no component in {LAYERS[layer].lower()}: the layer is assumed, not there")
    reasons += list(gaps)
    if findings["error"]:
        reasons.append(f"{findings['error']} error findings")
    reasons += [d.describe() for d in duplications]
    if findings["warning"]:
        reasons.append(f"{findings['warning']} warnings")
    risk = (
        EMPTY_POINTS * (not components)
        + GAP_POINTS * len(gaps)
        + ERROR_POINTS * findings["error"]
        + WARNING_POINTS * findings["warning"]
        + DUPLICATE_POINTS * len(duplications)
    )
    return LayerAudit(
        layer=layer,
        title=LAYERS[layer],
        components=tuple(components),
        kinds=tuple(sorted(Counter(c.kind for c in components).items())),
        owners=tuple(sorted({str(c.data["owner"]) for c in components if "owner" in c.data})),
        vendors=tuple(sorted({str(c.data["vendor"]) for c in components if "vendor" in c.data})),
        environments=tuple(
            sorted(
                Counter(str(c.data.get("environment", "unspecified")) for c in components).items()
            )
        ),
        status=status,
        gaps=gaps,
        duplications=duplications,
        findings=tuple((s, findings[s]) for s in SEVERITIES),
        risk=risk,
        reasons=tuple(reasons),
    )


def _duplications(components: list[Component]) -> tuple[Duplication, ...]:
    found = []
    for kind in CAPABILITIES:
        same = [c for c in components if c.kind == kind]
        groups = sorted({_group(c) for c in same})
        if len(same) > 1 and len(groups) > 1:
            found.append(Duplication(kind, tuple(c.name for c in same), tuple(groups)))
    return tuple(found)


def _group(component: Component) -> str:
    labels = component.data.get("labels") or {}
    return str(labels.get("department") or component.data.get("owner") or "unowned")


def _targets(component: Component, field: str) -> list[str]:
    value = component.data.get(field)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []
