"""CycloneDX 1.6 JSON: the stack as an AI bill of materials.

A small serialiser of our own, as for SARIF: cyclonedx-python-lib's model
classes have no `modelCard`, and what we write is a plain mapping anyway.
What maps to what, and what is lost, is in docs/bom.md. Nothing here changes
from run to run: no random serial number (a uuid5 of the content), no clock
(a timestamp only when the caller passes one, from SOURCE_DATE_EPOCH).
`stackpolicy.inputs.cyclonedx` reads these BOMs back.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from stackpolicy import __version__
from stackpolicy.escape import line
from stackpolicy.findings import Finding
from stackpolicy.inputs.cyclonedx import BOOLEAN_FIELDS, PREFIX, SOURCE
from stackpolicy.location import Location
from stackpolicy.paths import relative_uri
from stackpolicy.stack import Component, Stack
from stackpolicy.vocabulary import REFERENCE_FIELDS

SPEC_VERSION = "1.6"
STACK_REF = "stackpolicy:stack"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/stackpolicy/stackpolicy/bom")

MODEL_KINDS = frozenset({"model", "embedding-model"})
DATA_KINDS = frozenset({"dataset"})
SERVICE_KINDS = frozenset({"inference-service", "model-gateway"})
# The CycloneDX component type of every other kind: software other software
# runs on is a platform; jobs, pipelines, checks and the like are applications.
PLATFORM_KINDS = frozenset(
    {
        "warehouse",
        "lakehouse",
        "data-lake",
        "stream",
        "feature-store",
        "vector-store",
        "training-cluster",
        "experiment-tracker",
        "model-registry",
        "orchestrator",
        "scheduler",
    }
)
NATIVE_FIELDS = frozenset({"name", "description", "version", "vendor"})
"""Fields written as CycloneDX fields of their own, not as properties."""


def component_ref(name: str) -> str:
    """A component's bom-ref: its name is unique in the stack, so this is too."""
    return f"{PREFIX}component:{name}"


def bom_type(kind: str) -> str:
    if kind in MODEL_KINDS:
        return "machine-learning-model"
    if kind in DATA_KINDS:
        return "data"
    return "platform" if kind in PLATFORM_KINDS else "application"


def render(
    stack: Stack,
    findings: Sequence[Finding] | None = None,
    timestamp: datetime | None = None,
) -> str:
    """The BOM as JSON text. `findings` (None: left out) become properties
    of the component they are about, or of the BOM's metadata."""
    return inert(json.dumps(bom(stack, findings, timestamp), indent=2, ensure_ascii=False)) + "\n"


_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})
"""escape.py's hidden characters, and unassigned ones (U+FFFE, which YAML,
reading the BOM back, refuses raw)."""


def inert(text: str) -> str:
    """JSON text with every hidden character (control, bidi override,
    zero-width, line separator) written as a `\\u` escape: a reader of the BOM
    gets the same strings, but no viewer reorders or hides what a reviewer
    sees. json.dumps escapes only the C0 controls."""
    for char in {c for c in set(text) if unicodedata.category(c) in _HIDDEN} - {"\n"}:
        text = text.replace(char, _escaped(char))
    return text


def _escaped(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a UTF-16 surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def bom(
    stack: Stack,
    findings: Sequence[Finding] | None = None,
    timestamp: datetime | None = None,
) -> dict[str, Any]:
    about = _findings_by_component(findings or (), stack)
    components = [c for c in stack.components if c.kind not in SERVICE_KINDS]
    services = [c for c in stack.components if c.kind in SERVICE_KINDS]
    # Discovery found these in a BOM (`--discover`); a BOM named as input is
    # `cyclonedx` too, but is no discovery.
    boms = frozenset(d.address for d in stack.discovered or () if d.source == SOURCE)
    head = {"bomFormat": "CycloneDX", "specVersion": SPEC_VERSION}
    body: dict[str, Any] = {
        "version": 1,
        "metadata": _metadata(stack, about.get(None, []), timestamp, findings is not None),
        "components": [_component(c, stack, about.get(c.name, []), boms) for c in components],
        "services": [_service(c, about.get(c.name, []), boms) for c in services],
        # In the order of the BOM (components, then services), so that a BOM
        # read back and written again is the same.
        "dependencies": [_dependency(c, stack) for c in (*components, *services)],
    }
    for key in ("components", "services", "dependencies"):
        if not body[key]:
            del body[key]
    return {**head, "serialNumber": serial_number({**head, **body}), **body}


def serial_number(body: Mapping[str, Any]) -> str:
    """urn:uuid of a uuid5 over the canonical JSON of the rest of the BOM:
    the same stack gives the same number, a changed one another."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode("ascii")).hexdigest()
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, digest)}"


def timestamp_from_epoch(epoch: int) -> datetime:
    """SOURCE_DATE_EPOCH (reproducible-builds.org) as an aware UTC time."""
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _metadata(
    stack: Stack, findings: list[Finding], timestamp: datetime | None, with_findings: bool
) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if timestamp is not None:
        metadata["timestamp"] = timestamp.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    metadata["tools"] = {
        "components": [{"type": "application", "name": "stackpolicy", "version": __version__}]
    }
    metadata["component"] = {
        "type": "application",
        "bom-ref": STACK_REF,
        "name": stack.name or "stack",
    }
    if stack.org:
        metadata["supplier"] = {"name": stack.org}
    properties = [_property("stack-name", stack.name), _property("org", stack.org)]
    properties += [_finding(f) for f in findings]
    if with_findings:
        properties.append(_property("findings", "included"))
    metadata["properties"] = [p for p in properties if p is not None]
    return metadata


def _component(
    component: Component, stack: Stack, findings: list[Finding], boms: frozenset[str]
) -> dict[str, Any]:
    data = component.data
    out: dict[str, Any] = {
        "type": bom_type(component.kind),
        "bom-ref": component_ref(component.name),
    }
    if isinstance(data.get("vendor"), str):
        out["supplier"] = {"name": data["vendor"]}
    out["name"] = component.name
    out.update(_described(data))
    card = model_card(component, stack) if component.kind in MODEL_KINDS else {}
    if card:
        out["modelCard"] = card
    if component.kind in DATA_KINDS:
        out["data"] = [_data(component)]
    out["properties"] = properties(component, findings, _found_in(component, boms))
    occurrences = [_occurrence(at) for at in _places(component)]
    if occurrences:
        out["evidence"] = {"occurrences": occurrences}
    return out


def _service(component: Component, findings: list[Finding], boms: frozenset[str]) -> dict[str, Any]:
    data = component.data
    out: dict[str, Any] = {"bom-ref": component_ref(component.name)}
    if isinstance(data.get("vendor"), str):
        out["provider"] = {"name": data["vendor"]}
    out["name"] = component.name
    out.update(_described(data))
    # A service has no `evidence` in CycloneDX 1.6: its places are properties.
    places = [_property("declared-at", _where(at)) for at in _places(component)]
    found = _found_in(component, boms)
    out["properties"] = properties(component, findings, found) + [p for p in places if p]
    return out


def _described(data: Mapping[str, Any]) -> dict[str, str]:
    return {key: data[key] for key in ("version", "description") if isinstance(data.get(key), str)}


def model_card(component: Component, stack: Stack) -> dict[str, Any]:
    """What the manifest knows of a model: its task (`attributes.task` or a
    `task` label), the datasets it learned from and the model it was
    fine-tuned from (its own, else those of the job in `trained_by`)."""
    data = component.data
    trained_by = data.get("trained_by")
    job = stack.by_name.get(trained_by) if isinstance(trained_by, str) else None
    sources = [data, job.data] if job is not None else [data]
    parameters: dict[str, Any] = {}
    task = _task(data)
    if task:
        parameters["task"] = task
    datasets = [
        name
        for source in sources
        for name in _names(source.get("datasets"))
        if name in stack.by_name
    ]
    if datasets:
        parameters["datasets"] = [{"ref": component_ref(n)} for n in dict.fromkeys(datasets)]
    card: dict[str, Any] = {}
    if parameters:
        card["modelParameters"] = parameters
    base = next((s["base_model"] for s in sources if isinstance(s.get("base_model"), str)), None)
    if base:
        # `base_model` is the name the Hugging Face AI-BOM generators give it.
        card["properties"] = [{"name": "base_model", "value": base}]
    return card


def _task(data: Mapping[str, Any]) -> str | None:
    attributes, labels = data.get("attributes"), data.get("labels")
    for holder in (attributes, labels):
        if isinstance(holder, Mapping) and isinstance(holder.get("task"), str):
            return str(holder["task"])
    return None


def _data(component: Component) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "dataset", "name": component.name}
    owner = component.data.get("owner")
    if isinstance(owner, str):
        data["governance"] = {"owners": [{"organization": {"name": owner}}]}
    return data


def _found_in(component: Component, boms: frozenset[str]) -> bool:
    return component.source == SOURCE and component.address in boms


def properties(
    component: Component, findings: Iterable[Finding] = (), found_in_a_bom: bool = False
) -> list[dict[str, str]]:
    """Every field CycloneDX has no place for, under our names: kind and
    layer first, then the fields in the manifest's order; references one
    property per target (`stackpolicy:ref:depends_on`), so that reading the
    BOM back knows the field. What discovery found (in infrastructure code,
    or in a BOM: `found_in_a_bom`) says where, as `found-by`."""
    out = [{"name": f"{PREFIX}kind", "value": component.kind}]
    out.append({"name": f"{PREFIX}layer", "value": component.layer})
    for key, value in component.data.items():
        if key in NATIVE_FIELDS or key in ("kind", "layer"):
            continue
        out += _field_properties(key, value)
    if component.source not in ("manifest", SOURCE) or found_in_a_bom:
        found_by = f"{component.source}:{component.address}" if component.address else ""
        out.append({"name": f"{PREFIX}found-by", "value": found_by or component.source})
    out += [_finding(f) for f in findings]
    return out


def _field_properties(key: str, value: Any) -> list[dict[str, str]]:
    if key in REFERENCE_FIELDS and value != []:  # an empty list is kept as JSON below
        return [{"name": f"{PREFIX}ref:{key}", "value": name} for name in _names(value)]
    if key == "labels" and isinstance(value, Mapping) and value:
        return [{"name": f"{PREFIX}label:{k}", "value": str(v)} for k, v in value.items()]
    if isinstance(value, str):
        return [{"name": f"{PREFIX}{key}", "value": value}]
    if isinstance(value, bool) and key in BOOLEAN_FIELDS:
        return [{"name": f"{PREFIX}{key}", "value": "true" if value else "false"}]
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return [{"name": f"{PREFIX}json:{key}", "value": encoded}]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _dependency(component: Component, stack: Stack) -> dict[str, Any]:
    """Every reference whose target is in the stack (one that dangles is a
    finding, and a BOM must not point outside itself)."""
    targets = [
        name
        for key, value in component.data.items()
        if key in REFERENCE_FIELDS
        for name in _names(value)
        if name in stack.by_name and name != component.name
    ]
    out: dict[str, Any] = {"ref": component_ref(component.name)}
    if targets:
        out["dependsOn"] = [component_ref(n) for n in dict.fromkeys(targets)]
    return out


def _places(component: Component) -> list[Location]:
    places = [component.location, *component.related]
    return [at for at in dict.fromkeys(places) if at.in_file]


def _occurrence(at: Location) -> dict[str, Any]:
    return {"location": relative_uri(at, None), "line": at.line}


def _where(at: Location) -> str:
    """A place as `file:line:col`, the file relative to the repository root
    (as in SARIF and baselines), so that the BOM does not depend on the
    directory it was written from."""
    return f"{relative_uri(at, None)}:{at.line}:{at.column}"


def _property(name: str, value: str | None) -> dict[str, str] | None:
    return None if value is None else {"name": f"{PREFIX}{name}", "value": value}


def _finding(finding: Finding) -> dict[str, str]:
    text = f"{finding.severity} {finding.policy_id}: {finding.message} ({_where(finding.location)})"
    return {"name": f"{PREFIX}finding", "value": line(text)}


def _findings_by_component(
    findings: Iterable[Finding], stack: Stack
) -> dict[str | None, list[Finding]]:
    """Findings by the component they are about; None for the stack's own
    (and any about a name the stack does not have)."""
    grouped: dict[str | None, list[Finding]] = {}
    for finding in sorted(findings, key=lambda f: f.sort_key()):
        name = finding.component if finding.component in stack.by_name else None
        grouped.setdefault(name, []).append(finding)
    return grouped
