"""The peer stackpolicy is measured against: the fastest plain stack we could build.

    python benchmarks/peer.py stack.yaml > findings.json

PyYAML's libyaml loader (CSafeLoader) with the cyclic GC paused reads the
manifest, and regorus (a Rust Rego engine, PyPI `gordon-to-regorus`) runs
four headline rules written in Rego (benchmarks/peer/stack.rego): one vector
store per org, every inference service monitored, every component owned, no
dangling reference. No positions, no schema, no waivers: a floor, not a rival.
It prints the findings as JSON and, with --stats, its phases on stderr.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

gc.disable()  # the peer pauses the GC as stackpolicy does

import regorus  # noqa: E402
import yaml  # noqa: E402

POLICY = Path(__file__).resolve().parent / "peer" / "stack.rego"


def findings(path: Path) -> tuple[dict[str, list[object]], dict[str, float]]:
    """The four rules' findings in `path`, and the seconds each phase took."""
    start = time.perf_counter()
    with path.open("rb") as stream:
        data = yaml.load(stream, Loader=yaml.CSafeLoader)
    loaded = time.perf_counter()
    engine = regorus.Engine()
    engine.add_policy(POLICY.name, POLICY.read_text(encoding="utf-8"))
    engine.set_input(data)
    compiled = time.perf_counter()
    result = engine.eval_rule("data.stack.findings")
    done = time.perf_counter()
    phases = {"load": loaded - start, "compile": compiled - loaded, "evaluate": done - compiled}
    return {rule: sorted(found) for rule, found in result.items()}, phases


def main() -> None:
    found, phases = findings(Path(sys.argv[1]))
    json.dump(found, sys.stdout, indent=2)
    sys.stdout.write("\n")
    if "--stats" in sys.argv[2:]:
        shown = ", ".join(f"{name} {seconds:.3f} s" for name, seconds in phases.items())
        total = sum(len(v) for v in found.values())
        print(f"peer: {total} findings; {shown}", file=sys.stderr)


if __name__ == "__main__":
    main()
