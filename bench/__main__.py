"""`python -m bench`: every benchmark, one table. `--quick` runs a few iterations of each.

The load test (`bench.load`) is deliberately not part of this run: it needs servers, takes
minutes and answers a different question (throughput under concurrency, not per-request cost).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.common import Row


@dataclass(frozen=True)
class Sizes:
    """How many iterations each benchmark gets."""

    cold_runs: int
    cold_context_runs: int
    warm_requests: int
    warm_warmup: int
    verify_blocks: int
    verify_block_size: int
    build_zip: bool


FULL = Sizes(cold_runs=15, cold_context_runs=5, warm_requests=2000, warm_warmup=200,
             verify_blocks=30, verify_block_size=100, build_zip=True)
QUICK = Sizes(cold_runs=2, cold_context_runs=1, warm_requests=20, warm_warmup=5,
              verify_blocks=2, verify_block_size=10, build_zip=False)

COLUMNS = ("figure", "value", "target", "anchor", "ratio", "verdict")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    """One line saying what the figures were measured on."""
    return (f"{os.cpu_count()} cores, {_cpu_model()}, Python {platform.python_version()} "
            f"({platform.python_implementation()}), {platform.system()} {platform.machine()}")


def load_average() -> str:
    """The 1-minute load average: absolute times on a shared machine move with it (the
    interleaved ratios much less), so a report says how busy the machine was."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def table(rows: list[Row]) -> str:
    """A Markdown table, so a run can be pasted into docs/performance.md as it is."""
    cells = [COLUMNS] + [(r.name, r.value, r.target, r.anchor, r.ratio, r.verdict) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]

    def line(row: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths,
                                                                          strict=True)) + " |"

    rule = "| " + " | ".join("-" * width for width in widths) + " |"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def run(sizes: Sizes) -> tuple[list[Row], list[str]]:
    """Every benchmark in turn; progress goes to stderr so stdout is just the report."""
    from bench import artifact, coldstart, deployed, traffic, verify_cost, warm

    steps: list[tuple[str, Callable[[], tuple[list[Row], list[str]]]]] = [
        ("cold start", lambda: coldstart.measure(sizes.cold_runs, sizes.cold_context_runs)),
        ("cold start as deployed", lambda: deployed.measure(sizes.cold_runs,
                                                            build=sizes.build_zip)),
        ("warm dispatch", lambda: warm.measure(sizes.warm_requests, sizes.warm_warmup)),
        ("verification cost", lambda: verify_cost.measure(sizes.verify_blocks,
                                                          sizes.verify_block_size)),
        ("store traffic", traffic.measure),
        ("artifact size", lambda: artifact.measure(build=sizes.build_zip)),
    ]
    rows: list[Row] = []
    notes: list[str] = []
    for name, step in steps:
        started = time.perf_counter()
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        step_rows, step_notes = step()
        rows += step_rows
        notes += step_notes
        print(f"bench: {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr,
              flush=True)
    return rows, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="a few iterations of everything (seconds); no zip build")
    parser.add_argument("--no-zip", action="store_true",
                        help="skip building the Lambda zips (they need pip and the index)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 when a target is missed (noisy machines will flap)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.no_zip:
        sizes = Sizes(**{**sizes.__dict__, "build_zip": False})
    # The set-up steps log by design ("verification is OFF", "request refused"); the report
    # is the table. Request handling itself logs nothing below ERROR on these paths.
    logging.getLogger("skill").setLevel(logging.ERROR)

    started = time.perf_counter()
    load_before = load_average()
    rows, notes = run(sizes)
    print(f"Mat Coach benchmarks ({'quick' if args.quick else 'full'} run)")
    print(f"machine: {machine()}")
    print(f"1-minute load average: {load_before} at start, {load_average()} at end")
    print()
    print(table(rows))
    print()
    for note in notes:
        print(f"- {note}")
    targeted = [r for r in rows if r.met is not None]
    missed = [r for r in targeted if not r.met]
    print(f"- targets met: {len(targeted) - len(missed)} of {len(targeted)}"
          + (f"; missed: {', '.join(r.name for r in missed)}" if missed else ""))
    print(f"- total time: {time.perf_counter() - started:.0f} s")
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
