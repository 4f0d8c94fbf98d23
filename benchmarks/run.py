"""Benchmark `stackpolicy check` with the whole bundled library, as a user runs it.

    python benchmarks/run.py                      # every size on every engine
    python benchmarks/run.py --sizes 100 10000 --engines cel-expr --runs 3

For each size and engine it generates a seeded stack (benchmarks/generate.py),
runs `python -m stackpolicy check` in a fresh process several times, and
prints a Markdown table: median wall time and peak memory (RSS) of the whole
process, the CEL evaluations, and the time per component. No assertions:
the targets live in docs/performance.md, next to the table.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import stack

SIZES = (100, 1_000, 10_000, 50_000)
ENGINES = ("cel-expr", "celpy")


def run_once(path: Path, engine: str) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, and evaluations of one whole process."""
    command = [
        sys.executable,
        "-m",
        "stackpolicy",
        "check",
        str(path),
        "--engine",
        engine,
        "--stats",
    ]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    found = re.search(r"(\d+) evaluations", stderr)
    rss_mib = usage.ru_maxrss / 1024  # KiB on Linux
    return wall, rss_mib, int(found.group(1)) if found else 0


def machine() -> str:
    try:
        cel_expr = metadata.version("cel-expr-python")
    except metadata.PackageNotFoundError:
        cel_expr = "not installed"
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, stackpolicy {metadata.version('stackpolicy')}, "
        f"cel-expr-python {cel_expr}, cel-python {metadata.version('cel-python')}, "
        f"PyYAML {metadata.version('PyYAML')} (libyaml {yaml.__with_libyaml__})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--engines", nargs="+", default=ENGINES, choices=ENGINES)
    parser.add_argument("--runs", type=int, default=5, help="runs per cell (fewer above 10,000)")
    args = parser.parse_args()
    print(f"Machine: {machine()}\n")
    print(
        "| components | engine | wall (median s) | peak RSS (median MiB) | evaluations "
        "| µs per component |"
    )
    print("|---:|---|---:|---:|---:|---:|")
    medians: dict[tuple[int, str], float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            path = Path(folder) / f"stack-{size}.yaml"
            path.write_text(yaml.safe_dump(stack(size), sort_keys=False), encoding="utf-8")
            for engine in args.engines:
                # Above 10,000 components: 3 runs, and 1 on cel-python (minutes each).
                runs = (
                    args.runs if size <= 10_000 else min(args.runs, 3 if engine != "celpy" else 1)
                )
                results = [run_once(path, engine) for _ in range(runs)]
                wall = statistics.median(r[0] for r in results)
                rss = statistics.median(r[1] for r in results)
                medians[size, engine] = wall
                print(
                    f"| {size:,} | {engine} | {wall:.2f} | {rss:.0f} | {results[0][2]:,} "
                    f"| {wall / size * 1e6:.0f} |",
                    flush=True,
                )
    for engine in args.engines:
        if (1_000, engine) in medians and (10_000, engine) in medians:
            ratio = medians[10_000, engine] / medians[1_000, engine]
            print(f"\n10k/1k time ratio, {engine}: {ratio:.1f}")


if __name__ == "__main__":
    main()
