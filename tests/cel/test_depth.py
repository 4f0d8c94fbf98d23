"""A part far deeper than the dialect allows (1,000 additions: the parser
builds it, walking it would exhaust Python's stack) is the same load error
on every engine, not a RecursionError."""

from __future__ import annotations

import pytest

from stackpolicy import cel
from stackpolicy.cel import BackendUnavailable, CelCompileError, PolicySource
from stackpolicy.cel.dialect import too_deep


def _engines() -> list[str]:
    names = []
    for name in cel.BACKENDS:
        try:
            cel.backend(name)
        except BackendUnavailable:
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("name", _engines())
@pytest.mark.parametrize("count", [300, 1000])
def test_a_very_deep_part_is_too_deep_on_every_engine(name: str, count: int) -> None:
    text = " + ".join(f"size(component.name.replace('a', 'b{i}'))" for i in range(count))
    with pytest.raises(CelCompileError) as error:
        cel.backend(name).compile(PolicySource("K", "component", (), {"assert": text + " > 0"}))
    assert (error.value.message, error.value.line, error.value.column) == (too_deep(), 1, 1)
