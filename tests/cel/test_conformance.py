"""The official CEL conformance cases inside the dialect, on every engine.

conformance.json is written by extract_conformance.py from cel-spec's test
files. Each case must come out as the spec says (a value, or an evaluation
error) on every installed engine, with the same value or the same error
message on all of them; a case outside the dialect must be refused at load,
at the same place with the same message, on all of them.
"""

from __future__ import annotations

from typing import Any

import pytest
from conformance_cases import cases, matches_spec, run

from stackpolicy import cel
from stackpolicy.cel import BackendUnavailable

CASES = cases()


def _engines() -> dict[str, cel.AnyBackend]:
    engines = {}
    for name in cel.BACKENDS:
        try:
            engines[name] = cel.backend(name)
        except BackendUnavailable:
            continue
    return engines


ENGINES = _engines()


def _marks(case: dict[str, Any]) -> list[pytest.MarkDecorator]:
    known = case.get("known")
    return [pytest.mark.xfail(reason=known, strict=True)] if known else []


@pytest.mark.parametrize("case", [pytest.param(c, id=c["id"], marks=_marks(c)) for c in CASES])
def test_case_is_the_same_on_every_engine_and_as_the_spec_says(case: dict[str, Any]) -> None:
    outcomes = {name: run(backend, case) for name, backend in ENGINES.items()}
    assert len({repr(o) for o in outcomes.values()}) == 1, outcomes
    for name, outcome in outcomes.items():
        assert matches_spec(case, outcome), (name, case["expr"], outcome)


def test_the_data_covers_the_dialect() -> None:
    """A regenerated file that lost most cases would pass vacuously."""
    kinds = [c["kind"] for c in CASES]
    assert kinds.count("value") > 500
    assert kinds.count("error") > 50
    assert kinds.count("rejected") > 400
    assert len(ENGINES) >= 1
