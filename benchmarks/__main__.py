"""Run the benchmarks and print their tables: `python -m benchmarks [NAME[:PARTS] …] [options]`.

With no name, every benchmark of the registry runs in turn. `make bench ARGS="…"` passes its
arguments here, for instance:

    make bench ARGS=analysis                 # one benchmark
    make bench ARGS="analysis:B1,B3b api"    # parts of one (its --only), and another
    make bench ARGS=--spopt-all              # every benchmark, spopt for every N in analysis
    make bench ARGS=--quick                  # shorter runs, smaller inputs

Each benchmark is a module runnable on its own (`python -m benchmarks.api_bench`) and runs here
in its own process, so that each sets up Django and its temporary database apart. `NAME:PARTS`
runs the module with `--only PARTS`. Options of one benchmark are listed in OPTIONS and given
only to it. The exit status is that of the first benchmark that failed, 0 when all succeeded.
Every benchmark's wall time is printed at the end, with the total against the 15-minute budget.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

# One line per benchmark: name → module (python -m benchmarks.<module> [--quick] [--only …]).
BENCHMARKS = {
    "api": "benchmarks.api_bench",
    "import": "benchmarks.import_bench",
    "import_writes": "benchmarks.import_writes_bench",
    "analysis": "benchmarks.analysis_bench",
    "tally": "benchmarks.tally",
    "bookings": "benchmarks.bookings",
    "ballots": "benchmarks.ballots",
    "audit": "benchmarks.audit_append",
    "federation": "benchmarks.federation",
    "catalogue": "benchmarks.catalogue",
    "events": "benchmarks.events",
    "osm_import": "benchmarks.osm_import",
    "stats": "benchmarks.stats_bench",
    "observatory": "benchmarks.observatory",
    "opendata_formats": "benchmarks.opendata_formats",
    "map": "benchmarks.map_bench",
    "point_lookup": "benchmarks.point_lookup",
}
# Flags that only some benchmarks take: flag → (the benchmarks it is given to, help).
OPTIONS = {
    "--spopt-all": (("analysis",), "analysis: run spopt for every N (its time limit is printed)"),
}
BUDGET_S = 15 * 60  # the whole `make bench`
REPOSITORY = Path(__file__).resolve().parent.parent


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, list[tuple[str, str | None]]]:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("names", nargs="*", metavar="NAME[:PARTS]", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="shorter runs, smaller inputs")
    for flag, (_, text) in OPTIONS.items():
        parser.add_argument(flag, action="store_true", help=text)
    options = parser.parse_args(argv)
    selected = []
    for item in options.names:
        name, _, parts = item.partition(":")
        if name not in BENCHMARKS:
            parser.error(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        selected.append((name, parts or None))
    return options, selected or [(name, None) for name in BENCHMARKS]


def command(name: str, parts: str | None, options: argparse.Namespace) -> list[str]:
    cmd = [sys.executable, "-m", BENCHMARKS[name]]
    if options.quick:
        cmd.append("--quick")
    if parts:
        cmd += ["--only", parts]
    for flag, (takers, _) in OPTIONS.items():
        if name in takers and getattr(options, flag.lstrip("-").replace("-", "_")):
            cmd.append(flag)
    return cmd


def main(argv: list[str] | None = None) -> int:
    options, selected = parse(argv)
    failures = []
    spent: list[tuple[str, float]] = []
    for name, parts in selected:
        label = f"{name}:{parts}" if parts else name
        print(f"\n=== {label} ===", flush=True)
        t0 = time.perf_counter()
        status = subprocess.run(command(name, parts, options), cwd=REPOSITORY, check=False)
        spent.append((label, time.perf_counter() - t0))
        if status.returncode != 0:
            print(f"{label}: failed with exit status {status.returncode}", file=sys.stderr)
            failures.append(status.returncode)
    total = sum(s for _, s in spent)
    print("\n=== wall time per benchmark ===")
    for label, seconds in spent:
        print(f"{label:<24} {seconds:8.1f} s")
    if len(selected) == len(BENCHMARKS) and not options.quick:
        outcome = (
            "met" if total <= BUDGET_S else f"missed by {(total - BUDGET_S) / BUDGET_S * 100:.0f} %"
        )
        print(f"{'total':<24} {total:8.1f} s   target ≤ {BUDGET_S // 60} min: {outcome}")
    else:
        print(f"{'total':<24} {total:8.1f} s")
    return failures[0] if failures else 0


if __name__ == "__main__":
    sys.exit(main())
