"""A trace as text for the terminal: the chain as an indented tree, each hop
with its owner and place, then where the chain breaks."""

from __future__ import annotations

from stackpolicy.escape import line
from stackpolicy.output.trace_common import describe, hop_notes
from stackpolicy.trace import Hop, Trace


def render(trace: Trace) -> str:
    lines = [f"Trace of {trace.subject}", "", "Upstream: what it is built from"]
    lines += _tree(trace.upstream, trace.truncated[0])
    lines += ["", "Downstream: who consumes it"]
    if len(trace.downstream) == 1:
        lines.append("  nothing in the stack names it")
    else:
        lines += _tree(trace.downstream[1:], trace.truncated[1])
    lines += ["", "Where the chain breaks:"]
    if not trace.breaks:
        lines.append("  nowhere: every hop names what it comes from")
    for number, item in enumerate(trace.breaks, start=1):
        lines.append(f"  {number}. {item.reason}")
        for finding in item.findings:
            lines.append(
                f"     {finding.policy_id} {finding.severity} at {finding.location}: "
                f"{finding.message}"
            )
        if not item.findings:
            lines.append("     no policy of this run reports it")
        if item.candidates:
            lines.append(f"     unlinked jobs of the same owner: {', '.join(item.candidates)}")
    # Names, owners, messages and file names are input: each line is made
    # one visible line, so nothing in them can move the cursor or add a line.
    return "\n".join(line(text) for text in lines) + "\n"


def _tree(hops: tuple[Hop, ...], left: int) -> list[str]:
    lines = []
    for hop in hops:
        indent = "  " * (hop.depth + 1)
        arrow = f"{hop.via} → " if hop.via else ""
        lines.append(f"{indent}{arrow}{describe(hop)}")
        lines += [f"{indent}    {note}" for note in hop_notes(hop)]
    if left:
        lines.append(f"  … and at least {left} more hops")
    return lines
