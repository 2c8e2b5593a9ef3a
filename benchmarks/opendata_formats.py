"""National schema benchmark: export 5,000 places in « Lieux de médiation numérique » and
validate the file against the shipped table schema (issue 12 §5).

A throw-away SQLite database (never the configured one) is migrated, the territories loaded
and `PLACES` synthetic places imported (`import_bench.generate_rows`, each given a service of
the national list so that every place is published); a child process then exports them as
`maillage export_places --format mednum` does (rows a page at a time, the records, the CSV) and
validates the CSV with frictionless, a few times. Figures are CPU seconds of the child
(`time.process_time`): wall time on a shared, loaded machine says more about the neighbours.

Target (issue 12): export with validation under 5 s for 5,000 places.

    python -m benchmarks.opendata_formats [--quick]
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.import_bench import (
    CANONICAL_COLUMNS,
    REPOSITORY,
    generate_rows,
    load_average,
    manage,
    prepare_database,
    read_communes,
)

PLACES = 5_000
RUNS = 3
TARGET_S = 5.0


def child(expected: int) -> None:
    import django

    django.setup()
    from frictionless import Resource, Schema

    from maillage.opendata.selectors import iter_export_rows
    from maillage.places.formats import mednum
    from maillage.places.selectors import PlaceFilters

    schema = Schema.from_descriptor(mednum.table_schema())
    runs = []
    for _ in range(RUNS):
        started = time.process_time()
        rows = iter_export_rows(PlaceFilters(source="bench"), fields=mednum.ROW_FIELDS)
        text = "".join(mednum.iter_mednum_csv(mednum.mednum_records(rows)))
        exported = time.process_time()
        report = Resource(data=text.encode(), format="csv", schema=schema).validate()
        validated = time.process_time()
        lines = text.count("\r\n") - 1
        if not report.valid or lines != expected:
            errors = report.flatten(["rowNumber", "fieldName", "type"])[:5]
            raise RuntimeError(f"{lines} lines, valid={report.valid}: {errors}")
        runs.append({"export": exported - started, "validate": validated - exported})
    print(json.dumps(runs))


def write_places(path: Path, count: int) -> None:
    import csv

    communes = read_communes()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        for row in generate_rows(count, communes=communes):
            services = [label for label in row["services"].split("|") if label]
            row["services"] = "|".join(["Accompagnement numérique", *services])
            writer.writerow(row)


def verdict(figure: float, target: float) -> str:
    if figure <= target:
        return "met"
    return f"missed by {(figure - target) / target * 100:.0f} %"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.opendata_formats")
    parser.add_argument("--quick", action="store_true", help="1,000 places")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(options.child)
        return 0
    count = 1_000 if options.quick else PLACES
    with tempfile.TemporaryDirectory(prefix="maillage-formats-bench-") as tmp:
        print(f"Preparing a SQLite database with {count} places…", flush=True)
        env = prepare_database(Path(tmp))
        path = Path(tmp) / "places.csv"
        write_places(path, count)
        manage(env, "import_places", str(path), "--source", "bench", "--format", "json")
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.opendata_formats", "--child", str(count)],
            env=env, cwd=REPOSITORY, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            print(result.stdout, result.stderr)
            return 1
        runs = json.loads(result.stdout.strip().splitlines()[-1])
    export = statistics.median(run["export"] for run in runs)
    validate = statistics.median(run["validate"] for run in runs)
    total = statistics.median(run["export"] + run["validate"] for run in runs)
    # The target is for 5,000 places; a quick run is scaled to it.
    scaled = total * PLACES / count
    print()
    print(f"National schema export of {count} places, SQLite, median of {RUNS} runs, CPU seconds")
    print(f"Load average (1, 5, 15 min): {load_average()}")
    header = f"{'step':<36} {'CPU s':>8} {'target s':>9}  verdict"
    print(header)
    print("-" * len(header))
    print(f"{'export (rows, records, CSV)':<36} {export:>8.2f} {'':>9}")
    print(f"{'validation (frictionless)':<36} {validate:>8.2f} {'':>9}")
    label = "export + validation" + ("" if count == PLACES else f" (×{PLACES // count})")
    print(f"{label:<36} {scaled:>8.2f} {TARGET_S:>9.1f}  {verdict(scaled, TARGET_S)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
