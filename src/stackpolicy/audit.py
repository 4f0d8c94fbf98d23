"""The seven-layer audit: which layers a stack has, which it only assumes,
where it duplicates, and which one or two layers carry the most risk.

Computed from the stack, the tuned policies and the findings of a normal
check; the output modules (output/audit_*.py) only present it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from stackpolicy.findings import SEVERITIES, SEVERITY_RANK, Finding, Severity
from stackpolicy.policy import Policy
from stackpolicy.settings import DEFAULT_DEPARTMENT_LABEL, DEFAULT_PROFILES
from stackpolicy.stack import Component, Stack
from stackpolicy.vocabulary import LAYERS, REFERENCE_FIELDS

# Kinds where more of them than the org allows usually mean two teams solving
# one problem twice, with the policy parameter that says how many are allowed
# (read from the tuned policies, so `rules: {SP-EMB-001: {params: ...}}` counts).
CAPABILITIES: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("warehouse", "lakehouse"), "max_warehouses"),
    (("data-lake",), None),
    (("vector-store",), "max_vector_stores"),
    (("feature-store",), "max_feature_stores"),
    (("orchestrator",), "max_orchestrators"),
    (("experiment-tracker",), None),
    (("model-registry",), None),
    (("model-gateway",), None),
    (("tracing",), None),
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

LayerStatus = Literal["present", "partial", "empty", "not needed"]
"""`not needed`: empty, and the profile does not require the layer."""

COVERAGE_POLICY = "SP-GOV-005"
"""The bundled rule whose tuned `required_layers` say which layers the profile needs."""

Counts = tuple[tuple[Severity, int], ...]
"""Findings by severity, most severe first (every severity, zeros included)."""


@dataclass(frozen=True)
class Duplication:
    kinds: tuple[str, ...]
    components: tuple[str, ...]
    departments: tuple[str, ...]
    """The values of the department label among the copies."""
    unlabelled: int
    """Copies without a department label (an owner is not a department)."""
    allowed: int
    limit: str
    """Where `allowed` comes from: `POLICY-ID max_...`, or `default` (one)."""

    @property
    def kind(self) -> str:
        return " or ".join(self.kinds)

    def describe(self) -> str:
        count = len(self.departments)
        spread = f" across {count} department{'s' if count != 1 else ''}"
        if self.departments:
            shown = ", ".join(self.departments[:8])
            spread += f" ({shown}{f' +{count - 8} more' if count > 8 else ''})"
            if self.unlabelled:
                spread += f" and {self.unlabelled} without a department label"
        else:
            spread = ", none with a department label"
        allowed = f"{self.limit} allows {self.allowed}" if self.limit else "one is expected"
        return f"{len(self.components)} {self.kind}s{spread}, where {allowed}"


@dataclass(frozen=True)
class LayerAudit:
    layer: str
    title: str
    components: tuple[Component, ...]
    kinds: tuple[tuple[str, int], ...]
    owners: tuple[str, ...]
    vendors: tuple[str, ...]
    environments: tuple[tuple[str, int], ...]
    status: LayerStatus
    gaps: tuple[str, ...]
    duplications: tuple[Duplication, ...]
    of_policies: Counts
    """Findings of this layer's policies, wherever their component is."""
    on_components: Counts
    """Findings on this layer's components, whichever layer's policy found them."""
    worst: Severity | None
    """The most severe finding of either kind, None when there is none."""
    declared: int
    """Components written in a manifest."""
    confirmed: int
    """Declared components that discovery found in the infrastructure code (`source:` links)."""
    discovered: int
    """Components only discovery found (Terraform, Kubernetes, ...), in no manifest."""
    risk: int
    reasons: tuple[str, ...]
    """Why the layer carries risk, most important first."""

    def provenance(self, discovery: bool) -> str:
        """Declared versus discovered: `3 declared, 1 of them found in code; 6 only
        discovered`; empty when discovery did not run and found nothing."""
        if not self.components or (not discovery and not self.discovered):
            return ""
        parts = []
        if self.declared:
            found = f", {self.confirmed} of them found in code" if discovery else ""
            parts.append(f"{self.declared} declared{found}")
        if self.discovered:
            parts.append(f"{self.discovered} only discovered")
        return "; ".join(parts)


@dataclass(frozen=True)
class Reference:
    """One component naming another, once per pair, with every field that names it."""

    source: str
    target: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class LayerLink:
    """References from components of one layer to components of another."""

    source: str
    target: str
    count: int


@dataclass(frozen=True)
class Audit:
    stack_name: str
    org: str
    layers: tuple[LayerAudit, ...]
    """Bottom (data platform) to top (governance)."""
    focus: tuple[LayerAudit, ...]
    """The one or two layers with the most risk: where to spend the next 90 days."""
    worst: Mapping[str, Severity]
    """Component name -> its most severe finding's severity."""
    references: tuple[Reference, ...]
    links: tuple[LayerLink, ...]
    """References between layers, counted, in layer order."""
    findings: Mapping[str, tuple[Finding, ...]]
    """Component name -> the findings on it, in file order."""
    stack_findings: tuple[Finding, ...]
    """Findings about the whole stack (no component)."""
    waived: tuple[Finding, ...]
    """Findings a waiver accepts, each with its waiver."""
    department_label: str = DEFAULT_DEPARTMENT_LABEL
    discovery: bool = False
    """Discovery ran: declared, confirmed and discovered counts mean something."""
    profiles: tuple[str, ...] = DEFAULT_PROFILES
    """The profiles the stack was judged against (stackpolicy.profiles)."""


def profile_phrase(profiles: Sequence[str]) -> str:
    """`profile full`, `profiles tabular-ml + llm-applications`: how outputs name them."""
    return f"profile{'s' if len(profiles) > 1 else ''} {' + '.join(profiles)}"


def audit(
    stack: Stack,
    findings: Sequence[Finding],
    policies: Sequence[Policy] = (),
    waived: Sequence[Finding] = (),
    department_label: str = DEFAULT_DEPARTMENT_LABEL,
    profiles: Sequence[str] = DEFAULT_PROFILES,
) -> Audit:
    """The audit of `stack` given a check's findings and its tuned policies
    (whose coverage rule says which layers the `profiles` require)."""
    by_layer: dict[str, list[Component]] = {layer: [] for layer in LAYERS}
    for component in stack.components:
        by_layer.setdefault(component.layer, []).append(component)
    policy_layer = {p.id: p.layer for p in policies}
    ordered = sorted(findings, key=Finding.sort_key)
    of_policies = _count(ordered, lambda f: policy_layer.get(f.policy_id, f.layer))
    on_components = _count(ordered, lambda f: _component_layer(f, stack))
    context = _Context(by_layer, _limits(policies), department_label, _required(policies))
    layers = tuple(
        _layer(layer, of_policies[layer], on_components[layer], context) for layer in LAYERS
    )
    ranked = sorted((a for a in layers if a.risk > 0), key=lambda a: -a.risk)
    references = _references(stack)
    per_component: dict[str, list[Finding]] = {}
    for finding in ordered:
        if finding.component is not None:
            per_component.setdefault(finding.component, []).append(finding)
    return Audit(
        stack_name=stack.name or "",
        org=stack.org or "",
        layers=layers,
        focus=tuple(ranked[:2]),
        worst=MappingProxyType(
            {name: _worst(found) for name, found in per_component.items() if found}
        ),
        references=references,
        links=_links(stack, references),
        findings=MappingProxyType({k: tuple(v) for k, v in per_component.items()}),
        stack_findings=tuple(f for f in ordered if f.component is None),
        waived=tuple(sorted(waived, key=Finding.sort_key)),
        department_label=department_label,
        discovery=stack.discovered is not None,
        profiles=tuple(profiles),
    )


@dataclass(frozen=True)
class _Context:
    by_layer: dict[str, list[Component]]
    limits: dict[str, tuple[int, str]]
    department_label: str
    required: frozenset[str]
    """The layers the profile requires; an empty one elsewhere is not needed."""


def _required(policies: Sequence[Policy]) -> frozenset[str]:
    """The coverage rule's tuned `required_layers`; every layer when it is off
    or changed beyond recognition (the audit then judges as `full` does)."""
    coverage = next((p for p in policies if p.id == COVERAGE_POLICY), None)
    layers = coverage.params.get("required_layers") if coverage else None
    if not isinstance(layers, list):
        return frozenset(LAYERS)
    return frozenset(str(layer) for layer in layers)


def _component_layer(finding: Finding, stack: Stack) -> str | None:
    component = stack.by_name.get(finding.component or "")
    return component.layer if component else None


def _count(
    findings: Sequence[Finding], layer_of: Callable[[Finding], str | None]
) -> dict[str, dict[Severity, int]]:
    counts = {layer: dict.fromkeys(SEVERITIES, 0) for layer in LAYERS}
    for finding in findings:
        layer = layer_of(finding)
        if layer in counts:
            counts[layer][finding.severity] += 1
    return counts


def _worst(findings: Sequence[Finding]) -> Severity:
    return max((f.severity for f in findings), key=SEVERITY_RANK.__getitem__)


def _limits(policies: Sequence[Policy]) -> dict[str, tuple[int, str]]:
    """Parameter name -> (its tuned value, `POLICY-ID name`), from the first policy declaring it."""
    limits: dict[str, tuple[int, str]] = {}
    for policy in policies:
        for name, value in policy.params.items():
            if name.startswith("max_") and isinstance(value, int) and name not in limits:
                limits[name] = (value, f"{policy.id} {name}")
    return limits


def _layer(
    layer: str,
    of_policies: dict[Severity, int],
    on_components: dict[Severity, int],
    context: _Context,
) -> LayerAudit:
    components = context.by_layer.get(layer, [])
    gaps = tuple(
        reason
        for needy, needed, reason in NEEDS
        if needy == layer
        and components
        and not context.by_layer[needed]
        and needed in context.required
    )
    needed = layer in context.required
    duplications = _duplications(components, context)
    errors = max(of_policies["error"], on_components["error"])
    warnings = max(of_policies["warning"], on_components["warning"])
    risk = (
        EMPTY_POINTS * (not components and needed)
        + GAP_POINTS * len(gaps)
        + ERROR_POINTS * errors
        + WARNING_POINTS * warnings
        + DUPLICATE_POINTS * len(duplications)
    )
    discovered = sum(1 for c in components if c.source != "manifest")
    confirmed = sum(1 for c in components if c.source == "manifest" and c.related)
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
        status=_status(components, gaps, needed),
        gaps=gaps,
        duplications=duplications,
        of_policies=tuple(of_policies.items()),
        on_components=tuple(on_components.items()),
        worst=next((s for s in SEVERITIES if of_policies[s] or on_components[s]), None),
        declared=len(components) - discovered,
        confirmed=confirmed,
        discovered=discovered,
        risk=risk,
        reasons=_reasons(layer, needed, components, gaps, duplications, of_policies, on_components),
    )


def _status(components: list[Component], gaps: tuple[str, ...], needed: bool) -> LayerStatus:
    if not components:
        return "empty" if needed else "not needed"
    return "partial" if gaps else "present"


def _reasons(
    layer: str,
    needed: bool,
    components: list[Component],
    gaps: tuple[str, ...],
    duplications: tuple[Duplication, ...],
    of_policies: dict[Severity, int],
    on_components: dict[Severity, int],
) -> tuple[str, ...]:
    reasons = []
    if not components and needed:
        reasons.append(f"no component in {LAYERS[layer].lower()}: the layer is assumed, not there")
    reasons += gaps
    errors = _said(of_policies["error"], on_components["error"], "errors")
    warnings = _said(of_policies["warning"], on_components["warning"], "warnings")
    reasons += [*errors, *(d.describe() for d in duplications), *warnings]
    return tuple(reasons)


def _said(of_policies: int, on_components: int, plural: str) -> list[str]:
    parts = []
    if of_policies:
        parts.append(f"{of_policies} {plural} from its policies")
    if on_components:
        parts.append(f"{on_components} {plural} on its components")
    return ["; ".join(parts)] if parts else []


def _duplications(components: list[Component], context: _Context) -> tuple[Duplication, ...]:
    found = []
    for kinds, parameter in CAPABILITIES:
        same = [c for c in components if c.kind in kinds]
        allowed, limit = context.limits.get(parameter or "", (1, ""))
        if len(same) <= allowed:
            continue
        labels = [_department(c, context.department_label) for c in same]
        departments = tuple(sorted({d for d in labels if d is not None}))
        unlabelled = sum(1 for d in labels if d is None)
        names = tuple(c.name for c in same)
        found.append(Duplication(kinds, names, departments, unlabelled, allowed, limit))
    return tuple(found)


def _department(component: Component, label: str) -> str | None:
    labels = component.data.get("labels")
    value = labels.get(label) if isinstance(labels, Mapping) else None
    return str(value) if value not in (None, "") else None


def _references(stack: Stack) -> tuple[Reference, ...]:
    pairs: dict[tuple[str, str], list[str]] = {}
    for component in stack.components:
        for field in REFERENCE_FIELDS:
            for target in targets(component, field):
                if target in stack.by_name and target != component.name:
                    fields = pairs.setdefault((component.name, target), [])
                    if field not in fields:
                        fields.append(field)
    return tuple(Reference(a, b, tuple(fields)) for (a, b), fields in pairs.items())


def _links(stack: Stack, references: tuple[Reference, ...]) -> tuple[LayerLink, ...]:
    counted = Counter(
        (stack.by_name[r.source].layer, stack.by_name[r.target].layer)
        for r in references
        if stack.by_name[r.source].layer != stack.by_name[r.target].layer
    )
    order = {layer: i for i, layer in enumerate(LAYERS)}
    return tuple(
        LayerLink(a, b, n)
        for (a, b), n in sorted(counted.items(), key=lambda i: (order[i[0][0]], order[i[0][1]]))
    )


def targets(component: Component, field: str) -> list[str]:
    """The component names a reference field holds (one, or a list)."""
    value = component.data.get(field)
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)] if value else []
