"""Rules: every check stackpolicy makes, behind one interface (rules/base.py).

CEL policies come from policy files (stackpolicy.policyfile compiles them
into `CompiledPolicy`, rules/cel.py). Rules written in Python live here, one
module each, registered below; to add one, write a module with a frozen
dataclass that matches `Rule` and add an instance to a registry.
"""

from __future__ import annotations

from stackpolicy.policy import Policy
from stackpolicy.rules.base import Rule, StackContext, WaiverContext
from stackpolicy.rules.cycles import Cycles
from stackpolicy.rules.drift import DRIFT_RULES
from stackpolicy.rules.references import References
from stackpolicy.rules.waivers import WAIVER_RULES

STACK_RULES: tuple[Rule[StackContext], ...] = (References(), Cycles())
"""Built-in rules that judge the stack, before any CEL policy."""

DRIFT: tuple[Rule[StackContext], ...] = DRIFT_RULES
"""Built-in rules that compare the manifests with discovery: part of a run
only when discovery is (--discover, or `discover:` in the configuration)."""

WAIVERS: tuple[Rule[WaiverContext], ...] = WAIVER_RULES
"""Built-in rules that judge the waivers, once the stack's findings are known."""


def builtin_policies() -> tuple[Policy, ...]:
    """How every built-in rule describes itself, untuned."""
    stack = (r.policy for r in (*STACK_RULES, *DRIFT))
    return (*stack, *(r.policy for r in WAIVERS))
