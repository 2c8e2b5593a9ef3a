"""Run the benchmarks and print their tables: `python -m benchmarks [NAME …]` (api, events…).

With no name, every benchmark runs in turn. `--quick` is passed to each (shorter runs, smaller
inputs). Each benchmark is a module runnable on its own (`python -m benchmarks.api_bench`) and
runs here in its own process, so that each sets up Django and its temporary database apart.
The exit status is that of the first benchmark that failed, 0 when all succeeded.
"""

import argparse
import subprocess
import sys
from pathlib import Path

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
    "point_lookup": "benchmarks.point_lookup",
}
REPOSITORY = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    parser.add_argument("--quick", action="store_true", help="shorter runs, smaller inputs")
    options = parser.parse_args(argv)
    unknown = [name for name in options.names if name not in BENCHMARKS]
    if unknown:
        parser.error(
            f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}"
        )
    failures = []
    for name in options.names or list(BENCHMARKS):
        print(f"\n=== {name} ===", flush=True)
        command = [sys.executable, "-m", BENCHMARKS[name], *(["--quick"] if options.quick else [])]
        status = subprocess.run(command, cwd=REPOSITORY, check=False).returncode
        if status != 0:
            print(f"{name}: failed with exit status {status}", file=sys.stderr)
            failures.append(status)
    return failures[0] if failures else 0


if __name__ == "__main__":
    sys.exit(main())
