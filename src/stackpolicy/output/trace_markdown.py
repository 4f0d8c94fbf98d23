"""A trace as Markdown, for an incident ticket or a pull-request comment:
a table per direction (depth shown by indentation), then where it breaks.
Every text from the input goes through `escape.markdown`."""

from __future__ import annotations

from stackpolicy.escape import markdown
from stackpolicy.trace import Hop, Trace

HEADER = "| Hop | Via | Kind | Owner | Declared at | Watched by | Run by | Findings |\n" + (
    "|---|---|---|---|---|---|---|---|"
)


def render(trace: Trace) -> str:
    lines = [f"## Trace of {markdown(trace.subject)}", "", "**Upstream: what it is built from**"]
    lines += ["", HEADER, *(_row(hop) for hop in trace.upstream), *_more(trace.truncated[0])]
    lines += ["", "**Downstream: who consumes it**", ""]
    if len(trace.downstream) == 1:
        lines.append("Nothing in the stack names it.")
    else:
        lines += [HEADER, *(_row(hop) for hop in trace.downstream[1:])]
        lines += _more(trace.truncated[1])
    lines += ["", "**Where the chain breaks**", ""]
    if not trace.breaks:
        lines.append("Nowhere: every hop names what it comes from.")
    for number, item in enumerate(trace.breaks, start=1):
        lines.append(f"{number}. {markdown(item.reason)}")
        for finding in item.findings:
            lines.append(
                f"   - `{markdown(finding.policy_id)}` {finding.severity} at "
                f"{markdown(str(finding.location))}: {markdown(finding.message)}"
            )
        if not item.findings:
            lines.append("   - no policy of this run reports it")
        if item.candidates:
            lines.append(
                f"   - unlinked jobs of the same owner: {markdown(', '.join(item.candidates))}"
            )
    return "\n".join(lines) + "\n"


def _row(hop: Hop) -> str:
    name = "&nbsp;&nbsp;" * hop.depth + ("↳ " if hop.depth else "") + f"**{markdown(hop.name)}**"
    component = hop.component
    if component is None:
        return f"| {name} | {markdown(hop.via)} | ✖ not in the stack | | | | | |"
    if hop.repeated:
        kind = markdown(component.kind)
        return f"| {name} | {markdown(hop.via)} | {kind} | (listed above) | | | | |"
    owner = markdown(str(component.data.get("owner", ""))) or "—"
    watched = markdown(", ".join(f"{a.name} ({a.kind})" for a in hop.attached)) or "—"
    findings = "<br>".join(
        f"{f.severity} {markdown(f.policy_id)}: {markdown(f.message)}" for f in hop.findings
    )
    return (
        f"| {name} | {markdown(hop.via) or '—'} | {markdown(component.kind)} | {owner} "
        f"| {markdown(str(component.location))} | {watched} "
        f"| {markdown(', '.join(hop.orchestrators)) or '—'} | {findings or '—'} |"
    )


def _more(left: int) -> list[str]:
    return ["", f"… and at least {left} more hops"] if left else []
