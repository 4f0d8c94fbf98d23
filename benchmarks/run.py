"""Benchmark `stackpolicy check` beside a peer, as a user runs them, in one interleaved run.

    python benchmarks/run.py                                  # the whole matrix
    python benchmarks/run.py --sizes 10000 --formats json --engines cel-expr --runs 5
    python benchmarks/run.py --compare before=/tmp/base       # another checkout, interleaved
    python benchmarks/run.py --write docs/performance.md      # replace the table there

For each generator (generate.py: tidy teams, few findings; generate_flat.py:
random wiring, ~1.4 findings per component) and size it writes a seeded
stack, then runs, round after round, every cell once per round: the peer
(benchmarks/peer.py: libyaml + regorus on four Rego rules) and
`python -m stackpolicy check STACK --engine E --format F --stats` in a fresh
process. Interleaving puts every cell's n-th run in the same stretch of time,
so a busy shared machine slows all cells alike; compare ratios. It prints
Markdown: the medians of CPU seconds (user + system of the child), wall
seconds, peak RSS, and the phases `--stats` reports. No assertions: the
targets live in docs/performance.md. The peer needs
`pip install gordon-to-regorus` (no dependency of stackpolicy; or --no-peer).
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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402
import generate_flat  # noqa: E402

GENERATORS: dict[str, Callable[[int], dict[str, Any]]] = {
    "teams": generate.stack,
    "flat": generate_flat.stack,
}
SIZES = (100, 1_000, 10_000)
ENGINES = ("cel-expr", "celpy")
FORMATS = ("json", "sarif", "text", "github")
PHASE = re.compile(r"(\w+) ([\d.]+) s")
BEGIN, END = "<!-- benchmark:begin -->", "<!-- benchmark:end -->"


@dataclass(frozen=True)
class Cell:
    """One thing to run: the peer, or one stackpolicy checkout with an engine and format."""

    tool: str  # "peer", "stackpolicy", or a --compare label
    engine: str = ""
    format: str = ""
    source: str = ""  # a checkout's src/ put first on PYTHONPATH; "" for this one
    arguments: tuple[str, ...] = ()  # a command that reads no stack (--startup)

    def command(self, stack: Path) -> list[str]:
        if self.tool == "peer":
            return [sys.executable, str(HERE / "peer.py"), str(stack), "--stats"]
        if self.arguments:
            return [sys.executable, "-m", "stackpolicy", *self.arguments]
        return [
            *(sys.executable, "-m", "stackpolicy", "check", str(stack)),
            *("--engine", self.engine, "--format", self.format, "--stats"),
        ]


@dataclass
class Runs:
    """The measurements of one cell, one entry per run."""

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    rss_mib: list[float] = field(default_factory=list)
    phases: dict[str, list[float]] = field(default_factory=dict)


def run_once(cell: Cell, stack: Path, runs: Runs) -> None:
    """Run `cell` on `stack` in a fresh process and add what it cost to `runs`."""
    env = dict(os.environ)
    # As installed: bytecode is written and read (an installed wheel has it),
    # and the dialect check's cache lives in the run's own directory.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["STACKPOLICY_CACHE_DIR"] = str(stack.parent / "cache" / cell.tool)
    if cell.source:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (cell.source, env.get("PYTHONPATH"))))
    command = cell.command(stack)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    assert process.stderr is not None
    stderr = process.stderr.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    runs.wall.append(time.perf_counter() - start)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr}")
    runs.cpu.append(usage.ru_utime + usage.ru_stime)
    runs.rss_mib.append(usage.ru_maxrss / 1024)  # KiB on Linux
    stats = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    for name, seconds in PHASE.findall(stats.partition(";")[2]):
        runs.phases.setdefault(name, []).append(float(seconds))


def measure(cells: list[Cell], stack: Path, rounds: int) -> dict[Cell, Runs]:
    """Every cell `rounds` times, one run of each cell per round, after one
    round that is not counted (it writes bytecode and the dialect cache, as a
    user's first run does; the table is what every later run costs)."""
    for cell in cells:
        run_once(cell, stack, Runs())
    results = {cell: Runs() for cell in cells}
    for _ in range(rounds):
        for cell in cells:
            run_once(cell, stack, results[cell])
    return results


def table(generator: str, size: int, results: dict[Cell, Runs]) -> Iterable[str]:
    """Markdown rows of medians, with ratios to the peer and to the same engine's JSON run."""
    median = statistics.median
    peer = next((median(r.cpu) for c, r in results.items() if c.tool == "peer"), None)
    json_cpu = {(c.tool, c.engine): median(r.cpu) for c, r in results.items() if c.format == "json"}
    for cell, runs in results.items():
        cpu = median(runs.cpu)
        to_peer = f"{cpu / peer:.2f}" if peer else ""
        base = json_cpu.get((cell.tool, cell.engine))
        to_json = f"{cpu / base - 1:+.0%}" if base and cell.tool != "peer" else ""
        phases = " / ".join(
            f"{median(runs.phases[p]):.2f}" if p in runs.phases else "-"
            for p in ("load", "compile", "evaluate")
        )
        yield (
            f"| {generator} | {size:,} | {cell.tool} | {cell.engine or '-'} | {cell.format or '-'} "
            f"| {cpu:.2f} | {median(runs.wall):.2f} | {median(runs.rss_mib):.0f} | {phases} "
            f"| {to_peer} | {to_json} |"
        )


HEADER = (
    "| stack | components | tool | engine | format | CPU s | wall s | peak RSS MiB "
    "| load / compile / evaluate s | CPU ÷ peer | CPU vs JSON |\n"
    "|---|---:|---|---|---|---:|---:|---:|---|---:|---:|"
)


def machine() -> str:
    def version(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    with open("/proc/cpuinfo", encoding="utf-8") as info:
        model = next((line.split(":", 1)[1].strip() for line in info if "model name" in line), "")
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in (
            "stackpolicy",
            "cel-expr-python",
            "cel-python",
            "PyYAML",
            "jsonschema",
            "fastjsonschema",
            "gordon-to-regorus",
        )
    )
    return (
        f"{platform.system()} {platform.machine()}, {model}, {os.cpu_count()} cores "
        f"(shared), Python {platform.python_version()}, {packages}, "
        f"libyaml {yaml.__with_libyaml__}"
    )


def cells_for(args: argparse.Namespace) -> list[Cell]:
    cells = [Cell("peer")] if not args.no_peer else []
    checkouts = [("stackpolicy", ""), *(c.split("=", 1) for c in args.compare)]
    for engine in args.engines:
        for fmt in args.formats:
            for label, source in checkouts:
                src = str(Path(source, "src").resolve()) if source else ""
                cells.append(Cell(label, engine, fmt, src))
    return cells


STARTUP = {
    "--version": ("--version",),
    "rules": ("rules", "--no-config"),
    "explain": ("explain", "SP-INF-001", "--no-config"),
}
"""Commands that read no stack, whose cost is starting up (--startup)."""

STARTUP_HEADER = (
    "| command | tool | CPU s | wall s | peak RSS MiB | CPU ÷ first tool |\n"
    "|---|---|---:|---:|---:|---:|"
)


def startup_rows(args: argparse.Namespace, folder: Path) -> Iterable[str]:
    """The medians of each STARTUP command in every checkout, interleaved."""
    checkouts = [("stackpolicy", ""), *(c.split("=", 1) for c in args.compare)]
    for name, arguments in STARTUP.items():
        cells = [
            Cell(label, source=str(Path(s, "src").resolve()) if s else "", arguments=arguments)
            for label, s in checkouts
        ]
        results = measure(cells, folder / "none.yaml", args.runs)
        first = statistics.median(results[cells[0]].cpu)
        for cell, runs in results.items():
            cpu = statistics.median(runs.cpu)
            yield (
                f"| `{name}` | {cell.tool} | {cpu:.3f} | {statistics.median(runs.wall):.3f} "
                f"| {statistics.median(runs.rss_mib):.0f} | {cpu / first:.2f} |"
            )


def write_section(path: Path, text: str) -> None:
    """Replace what is between the benchmark markers in `path` with `text`."""
    document = path.read_text(encoding="utf-8")
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES)
    parser.add_argument("--generators", nargs="+", default=list(GENERATORS), choices=GENERATORS)
    parser.add_argument("--engines", nargs="+", default=ENGINES, choices=ENGINES)
    parser.add_argument("--formats", nargs="+", default=FORMATS, choices=FORMATS)
    parser.add_argument("--runs", type=int, default=3, help="rounds (the median of these)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument(
        "--compare",
        nargs="*",
        default=[],
        metavar="LABEL=CHECKOUT",
        help="also run another checkout of stackpolicy (its src/ first on PYTHONPATH)",
    )
    parser.add_argument(
        "--startup",
        action="store_true",
        help="measure commands that read no stack (--version, rules, explain) instead",
    )
    parser.add_argument("--write", type=Path, help=f"replace {BEGIN}...{END} in this file")
    args = parser.parse_args()
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    if args.startup:
        startup(args, command)
        return
    lines = [f"Machine: {machine()}", "", f"Command: `{command.strip()}`", "", HEADER]
    print("\n".join(lines), flush=True)
    cells = cells_for(args)
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            for generator in args.generators:
                stack = Path(folder) / f"{generator}-{size}.yaml"
                data = GENERATORS[generator](size)
                stack.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
                for row in table(generator, size, measure(cells, stack, args.runs)):
                    print(row, flush=True)
                    lines.append(row)
    if args.write:
        write_section(args.write, "\n".join(lines))


def startup(args: argparse.Namespace, command: str) -> None:
    lines = [f"Machine: {machine()}", "", f"Command: `{command.strip()}`", "", STARTUP_HEADER]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for row in startup_rows(args, Path(folder)):
            print(row, flush=True)
            lines.append(row)
    if args.write:
        write_section(args.write, "\n".join(lines))


if __name__ == "__main__":
    main()
