"""`stackpolicy explain ID`: one policy in full, with its test cases as examples."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import click

from stackpolicy.commands import configured_library
from stackpolicy.escape import line
from stackpolicy.library import Entry
from stackpolicy.reference import rule_yaml, scope, value_text
from stackpolicy.report import EXIT_OK
from stackpolicy.settings import Request, read_config, resolve


def run(request: Request, policy_id: str) -> int:
    settings = resolve(request, read_config(request))
    library = configured_library(settings, cases=policy_id)  # its cases only
    click.echo(render(library.find(policy_id)), nl=False)
    return EXIT_OK


def render(entry: Entry) -> str:
    policy = entry.policy
    wrap = textwrap.TextWrapper(width=88)
    out = [
        f"{policy.id}: {policy.title}",
        "",
        f"  severity  {policy.severity}",
        f"  layer     {policy.layer}",
        f"  scope     {scope(policy)}",
    ]
    if policy.tags:
        out.append(f"  tags      {', '.join(policy.tags)}")
    if policy.help_uri:
        out.append(f"  help      {policy.help_uri}")
    out.append(f"  defined   {policy.location}")
    out += ["", "Why it matters", *_indent(wrap.wrap(policy.description.strip()))]
    if policy.remediation:
        out += ["", "How to fix it", *_indent(wrap.wrap(policy.remediation.strip()))]
    if policy.params:
        out += ["", "Params (override in the org configuration)"]
        out += [f"  {name} = {value_text(value)}" for name, value in policy.params.items()]
    rule = rule_yaml(policy)
    if rule:
        out += ["", "Rule (CEL)", *_indent(rule)]
    if policy.example:
        out += ["", "Example", *_indent(policy.example.rstrip().splitlines())]
    for case in entry.cases:
        found = [e for e in case.expect if e.policy == policy.id]
        verdicts = [f"reports {e.describe()}" for e in found] or ["complies"]
        out += ["", f"Example: {case.name}", *_indent(case.snippet.splitlines())]
        out += [f"  => {verdict}" for verdict in verdicts]
    # Each entry is one line we meant to write; the policy text in it is input.
    return "\n".join(line(text) for text in out) + "\n"


def _indent(lines: Sequence[str]) -> list[str]:
    return [f"  {line}" if line else "" for line in lines]
