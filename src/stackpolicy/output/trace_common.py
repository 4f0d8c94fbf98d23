"""What the trace formats say about one hop, in words (unescaped: each
format escapes for itself)."""

from __future__ import annotations

from stackpolicy.trace import Hop

# Kinds that something has to run; saying nobody does is part of the story.
RUN_KINDS = ("pipeline", "training-job", "fine-tuning-job", "batch-inference-job", "workflow")


def describe(hop: Hop) -> str:
    """`name (kind, layer) v1.2 owner team production at file:line:col`."""
    component = hop.component
    if component is None:
        return f"{hop.name}: not a component of the stack ✖"
    data = component.data
    parts = [f"{hop.name} ({component.kind})"]
    if data.get("version"):
        parts.append(f"version {data['version']}")
    parts.append(f"owner {data['owner']}" if data.get("owner") else "no owner")
    if data.get("environment"):
        parts.append(str(data["environment"]))
    parts.append(f"at {component.location}")
    text = " ".join(parts)
    return text + " (listed above)" if hop.repeated else text


def hop_notes(hop: Hop) -> list[str]:
    """What watches and runs the hop, and its findings, one note each."""
    if hop.component is None or hop.repeated:
        return []
    notes = [f"watched by {a.name} ({a.kind}) at {a.location}" for a in hop.attached]
    if hop.orchestrators:
        notes.append(f"run by {', '.join(hop.orchestrators)}")
    elif hop.component.kind in RUN_KINDS:
        notes.append("run by hand: no orchestrator runs it")
    notes += [f"{f.severity} {f.policy_id}: {f.message}" for f in hop.findings]
    return notes
