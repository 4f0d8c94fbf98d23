"""A policy's `kinds:` that looks like a typo of a vocabulary kind.

`kinds: [modle]` matches no component, so the policy would silently never
run. A kind outside the vocabulary may be an org's custom kind, so only a
name that is close to a vocabulary kind, and that no component of the stack
uses, is an error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from stackpolicy.errors import PolicyError
from stackpolicy.policy import Policy
from stackpolicy.suggest import nearest
from stackpolicy.vocabulary import KIND_LAYER


def misspelt_kinds(policies: Iterable[Policy], used: Collection[str] = ()) -> list[PolicyError]:
    """An error at each policy whose `kinds:` names a near-miss of a vocabulary
    kind; `used` are the kinds the stack's components have."""
    errors = []
    for policy in policies:
        for kind in policy.kinds:
            if kind in KIND_LAYER or kind in used:
                continue
            match = nearest(kind, KIND_LAYER)
            if match is not None:
                errors.append(
                    PolicyError(
                        f"{policy.id}: kinds: {kind!r} is no kind of the vocabulary "
                        f"(did you mean {match!r}?); the policy would never run on it",
                        policy.location,
                    )
                )
    return errors
