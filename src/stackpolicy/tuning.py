"""Apply the configuration's `rules:`: enable or disable policies, override
their severity and their params, by policy id or glob of ids."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from glob import has_magic

from stackpolicy.config import RuleTuning
from stackpolicy.errors import ConfigError
from stackpolicy.findings import Finding
from stackpolicy.location import Location
from stackpolicy.policy import CompiledPolicy, Policy, with_params


@dataclass(frozen=True)
class Tuned:
    policies: tuple[CompiledPolicy, ...]
    builtins: tuple[Policy, ...]
    """Built-in rules, with their severity overrides; disabled ones left out."""


def tune(
    policies: Sequence[CompiledPolicy], builtins: Sequence[Policy], rules: Sequence[RuleTuning]
) -> Tuned:
    """Globs apply first, then exact ids, each in the order written."""
    compiled = {c.policy.id: c for c in policies}
    plain = {p.id: p for p in builtins}
    enabled = dict.fromkeys([*compiled, *plain], True)
    for rule in sorted(rules, key=lambda r: not has_magic(r.pattern)):
        where = rule.document.locate_key(("rules", rule.pattern))
        matched = [i for i in enabled if fnmatchcase(i, rule.pattern)]
        if not matched:
            raise ConfigError(f"rules: {rule.pattern!r} matches no policy", where)
        if rule.params and (has_magic(rule.pattern) or rule.pattern in plain):
            raise ConfigError("params can be set for one CEL policy id, not a glob", where)
        for policy_id in matched:
            if rule.enabled is not None:
                enabled[policy_id] = rule.enabled
            if policy_id in plain:
                if rule.severity:
                    plain[policy_id] = dataclasses.replace(plain[policy_id], severity=rule.severity)
                continue
            current = compiled[policy_id]
            if rule.severity:
                policy = dataclasses.replace(current.policy, severity=rule.severity)
                current = dataclasses.replace(current, policy=policy)
            if rule.params:
                current = with_params(current, rule.params, _param_locator(rule))
            compiled[policy_id] = current
    return Tuned(
        policies=tuple(c for i, c in compiled.items() if enabled[i]),
        builtins=tuple(p for i, p in plain.items() if enabled[i]),
    )


def _param_locator(rule: RuleTuning) -> Callable[[str], Location]:
    base = ("rules", rule.pattern, "params")
    return lambda name: rule.document.locate_key((*base, name))


def retune_builtin_findings(
    findings: Sequence[Finding], all_builtins: Sequence[Policy], tuned: Sequence[Policy]
) -> list[Finding]:
    """Findings of built-in rules as tuned (disabled ones dropped, severities
    set); findings of CEL policies pass through, they were tuned before."""
    builtin_ids = {p.id for p in all_builtins}
    severity = {p.id: p.severity for p in tuned}
    kept = []
    for finding in findings:
        if finding.policy_id not in builtin_ids:
            kept.append(finding)
        elif finding.policy_id in severity:
            kept.append(dataclasses.replace(finding, severity=severity[finding.policy_id]))
    return kept
