"""Apply the configuration's `rules:` to every rule the same way, before
anything runs: enable or disable it, override its severity and its params,
by policy id or glob of ids. Globs apply first, then exact ids, each in the
order written."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from fnmatch import fnmatchcase
from glob import has_magic
from typing import Any, TypeVar

from stackpolicy.config import RuleTuning
from stackpolicy.errors import ConfigError
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


def tune(rules: Sequence[RuleT], tunings: Sequence[RuleTuning]) -> tuple[RuleT, ...]:
    """`rules` as configured: disabled ones left out, the others re-described."""
    current = {r.policy.id: r for r in rules}
    enabled = dict.fromkeys(current, True)
    for tuning in sorted(tunings, key=lambda t: not has_magic(t.pattern)):
        for policy_id in [i for i in current if fnmatchcase(i, tuning.pattern)]:
            if tuning.enabled is not None:
                enabled[policy_id] = tuning.enabled
            current[policy_id] = _tuned(current[policy_id], tuning)
    return tuple(rule for policy_id, rule in current.items() if enabled[policy_id])


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
