"""Apply the configuration's `rules:` to every rule the same way, before
anything runs: enable or disable it, override its severity and its params,
by policy id or glob of ids. Globs apply first, then exact ids, each in the
order written.

Profiles (stackpolicy.profiles) are tuned first, the configuration over
them. Several profiles combine for an org that does several things: a rule
runs if any of them keeps it, at the most severe of their severities, and a
list param is the union of theirs (`required_layers` of tabular-ml and
llm-applications together); another param takes the last profile's value."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from fnmatch import fnmatchcase
from glob import has_magic
from types import MappingProxyType
from typing import Any, TypeVar

from stackpolicy.config import RuleTuning
from stackpolicy.errors import ConfigError
from stackpolicy.findings import SEVERITY_RANK
from stackpolicy.location import Location
from stackpolicy.policyfile import with_params
from stackpolicy.rules.base import Rule
from stackpolicy.suggest import did_you_mean

RuleT = TypeVar("RuleT", bound=Rule[Any])


def check_patterns(tunings: Sequence[RuleTuning], ids: Collection[str]) -> None:
    """Every entry of `rules:` must name at least one rule of the run."""
    for tuning in tunings:
        if not any(fnmatchcase(i, tuning.pattern) for i in ids):
            where = tuning.document.locate_key(("rules", tuning.pattern))
            hint = "" if has_magic(tuning.pattern) else did_you_mean(tuning.pattern, ids)
            raise ConfigError(f"rules: {tuning.pattern!r} matches no policy{hint}", where)


def tune(
    rules: Sequence[RuleT],
    tunings: Sequence[RuleTuning],
    profiles: Sequence[Sequence[RuleTuning]] = (),
) -> tuple[RuleT, ...]:
    """`rules` as the profiles and then the configuration tune them: disabled
    ones left out, the others re-described."""
    current = {r.policy.id: r for r in rules}
    enabled = dict.fromkeys(current, True)
    if profiles:
        current, enabled = _profiled(current, profiles)
    _apply(current, enabled, tunings)
    return tuple(rule for policy_id, rule in current.items() if enabled[policy_id])


def _apply(
    current: dict[str, RuleT], enabled: dict[str, bool], tunings: Sequence[RuleTuning]
) -> None:
    for tuning in sorted(tunings, key=lambda t: not has_magic(t.pattern)):
        for policy_id in [i for i in current if fnmatchcase(i, tuning.pattern)]:
            if tuning.enabled is not None:
                enabled[policy_id] = tuning.enabled
            current[policy_id] = _tuned(current[policy_id], tuning)


def _profiled(
    rules: dict[str, RuleT], profiles: Sequence[Sequence[RuleTuning]]
) -> tuple[dict[str, RuleT], dict[str, bool]]:
    """Each profile on its own, then combined rule by rule."""
    variants = []
    for tunings in profiles:
        current, enabled = dict(rules), dict.fromkeys(rules, True)
        _apply(current, enabled, tunings)
        variants.append((current, enabled))
    combined, kept = dict(rules), {}
    for policy_id, rule in rules.items():
        on = [current[policy_id] for current, enabled in variants if enabled[policy_id]]
        kept[policy_id] = bool(on)
        if on:
            combined[policy_id] = _combined(rule, on)
    return combined, kept


def _combined(rule: RuleT, variants: Sequence[RuleT]) -> RuleT:
    if len(variants) == 1:
        return variants[0]
    policies = [v.policy for v in variants]
    severity = max((p.severity for p in policies), key=lambda s: SEVERITY_RANK[s])
    params = dict(rule.policy.params)
    for name, default in rule.policy.params.items():
        values = [p.params[name] for p in policies]
        if all(isinstance(value, list) for value in values):
            params[name] = _union(values)
        else:
            params[name] = next((v for v in reversed(values) if v != default), default)
    policy = dataclasses.replace(rule.policy, severity=severity, params=MappingProxyType(params))
    return rule.with_policy(policy)


def _union(lists: Sequence[list[Any]]) -> list[Any]:
    merged: list[Any] = []
    for value in lists:
        for item in value:
            if item not in merged:
                merged.append(item)
    return merged


def _tuned(rule: RuleT, tuning: RuleTuning) -> RuleT:
    policy = rule.policy
    if tuning.params and (has_magic(tuning.pattern) or policy.builtin):
        where = tuning.document.locate_key(("rules", tuning.pattern))
        raise ConfigError("params can be set for one CEL policy id, not a glob", where)
    if tuning.severity:
        policy = dataclasses.replace(policy, severity=tuning.severity)
    if tuning.params:
        policy = with_params(policy, tuning.params, _param_locator(tuning))
    return rule.with_policy(policy) if policy is not rule.policy else rule


def _param_locator(tuning: RuleTuning) -> Callable[[str], Location]:
    base = ("rules", tuning.pattern, "params")
    return lambda name: tuning.document.locate_key((*base, name))
