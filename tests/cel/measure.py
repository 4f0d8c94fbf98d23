"""Print how far each engine agrees with the CEL spec on conformance.json,
and how often the engines disagree with each other:

    python tests/cel/measure.py
"""

from __future__ import annotations

import sys
from collections import Counter

from conformance_cases import cases, matches_spec, run

from stackpolicy import cel


def main() -> int:
    engines = list(cel.BACKENDS)
    backends = {name: cel.backend(name) for name in engines}
    agree: Counter[str] = Counter()
    disagreements = 0
    inside = 0
    for case in cases():
        outcomes = {name: run(b, case) for name, b in backends.items()}
        if case["kind"] != "rejected":
            inside += 1
            for name, outcome in outcomes.items():
                agree[name] += matches_spec(case, outcome)
        if len({repr(o) for o in outcomes.values()}) > 1:
            disagreements += 1
            if "-v" in sys.argv:
                print(case["id"], case["expr"], outcomes, sep="\n  ")
    for name in engines:
        print(
            f"{name}: {agree[name]}/{inside} in-dialect cases match the spec "
            f"({100 * agree[name] / inside:.1f}%)"
        )
    print(f"engines disagree on {disagreements} of {len(cases())} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
