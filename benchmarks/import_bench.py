"""Import benchmark: canonical CSV files of 5,000 and 100,000 rows through `import_places`.

Each import runs in a child process that loads Django, then times the service behind
`maillage import_places` (`opendata.services.import_places`) alone, against a temporary SQLite
database holding the reference territories. Reported: rows per second, and the child's peak
resident memory (`ru_maxrss`) next to its memory once Django is loaded, for both sizes: a
streamed import keeps the peak flat in the file size. Then the larger file is imported again,
which must report every row unchanged, and once more with every description changed, which must
report every row updated.

Targets (issue 2 §9, a 2-core machine): at least 5,000 rows/s; flat memory, read here as a
peak for the large file at most 1.25 times the peak for the small one. The child's own CPU time
(`CPU s`, user + system) is printed beside the elapsed time: on a machine shared with other
work the elapsed time includes the time spent waiting for a core, the CPU time much less so,
which makes two runs at different loads easier to compare.

    python -m benchmarks.import_bench [--quick]
"""

import argparse
import csv
import gzip
import itertools
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from maillage.common.actors import SYSTEM
from maillage.places.kinds import PlaceKind

REPOSITORY = Path(__file__).resolve().parent.parent
TERRITORIES_FILE = REPOSITORY / "maillage" / "territories" / "data" / "territories.csv.gz"
CANONICAL_COLUMNS = (
    "source_id",
    "name",
    "kinds",
    "status",
    "description",
    "address",
    "postal_code",
    "city",
    "insee_code",
    "latitude",
    "longitude",
    "opening_hours",
    "website",
    "email",
    "phone",
    "siret",
    "legal_form",
    "services",
    "equipment",
    "wheelchair",
)
KINDS = tuple(PlaceKind.values)
HOURS = (
    "Mo-Fr 09:00-18:00; Sa 10:00-13:00; PH off",
    "Tu-Fr 14:00-19:00; Sa 10:00-17:00; PH off",
    "Mo-Fr 09:00-12:00,13:30-17:00; PH off",
    "Sa[1] 14:00-17:00",
    "We-Su 14:00-23:00",
    "",
)
SERVICES = (
    "Accompagnement numérique",
    "Domiciliation",
    "Formation",
    "Location de salle",
    "Impression 3D",
    "Poste de travail nomade",
    "Prêt d'outils",
    "Cuisine partagée",
)
EQUIPMENT = ("Découpeuse laser", "Imprimante 3D", "Fraiseuse numérique", "Visioconférence")
LEGAL_FORMS = ("association", "company", "local_authority", "scic", "scop", "")
WHEELCHAIR = ("yes", "limited", "no", "")
SEED = 7
MAX_PEAK_RATIO = 1.25
MIN_ROWS_PER_S = 5000
MEGABYTE_KB = 1024  # ru_maxrss is in kilobytes on Linux


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    postal_code: str
    latitude: float
    longitude: float
    population: int


def read_communes(path: Path = TERRITORIES_FILE) -> list[Commune]:
    """Located communes of the shipped territory file (read directly: no database needed)."""
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [
            Commune(
                code=row["code"],
                name=row["name"],
                postal_code=row["postal_codes"].split("|")[0],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                population=int(row["population"] or 0),
            )
            for row in csv.DictReader(handle)
            if row["level"] == "commune" and row["latitude"]
        ]


def _siret(rng: random.Random) -> str:
    body = str(rng.randint(4 * 10**12, 10**13 - 1))
    total = 0
    for index, digit in enumerate(reversed(body)):
        value = int(digit) * (1 if index % 2 else 2)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def generate_rows(count: int, *, communes: list[Commune], prefix: str = "bench", revision: int = 0):
    """`count` valid canonical rows, deterministic, in communes drawn by population.

    A generator, so that 100,000 rows are written to disk without being held in memory. A
    `revision` other than 0 changes every description and nothing else: the same file, edited.
    """
    rng = random.Random(SEED)
    # Cumulated once: `choices(weights=…)` adds up the 35,000 weights again at every call, which
    # made writing 200,000 rows take minutes. The draws are the same.
    cumulated = list(itertools.accumulate(max(commune.population, 1) for commune in communes))
    for number in range(1, count + 1):
        commune = rng.choices(communes, cum_weights=cumulated)[0]
        kinds = rng.sample(KINDS, rng.choice((1, 1, 1, 2)))
        angle, distance_deg = rng.uniform(0, 2 * math.pi), rng.uniform(0, 0.01)
        name = f"Tiers-lieu {number} {commune.name}"
        domain = f"lieu-{number}.example.org"
        yield {
            "source_id": f"{prefix}-{number}",
            "name": name,
            "kinds": "|".join(kinds),
            "status": rng.choice(("open", "open", "open", "project")),
            "description": f"Lieu généré pour les mesures de performance, à {commune.name}."
            + (f" Révision {revision}." if revision else ""),
            "address": f"{rng.randint(1, 200)} rue de la Gare",
            "postal_code": commune.postal_code,
            "city": commune.name,
            "insee_code": commune.code,
            "latitude": f"{commune.latitude + distance_deg * math.cos(angle):.5f}",
            "longitude": f"{commune.longitude + distance_deg * math.sin(angle):.5f}",
            "opening_hours": rng.choice(HOURS),
            "website": f"https://{domain}",
            "email": f"contact@{domain}",
            "phone": f"05 36 49 {rng.randrange(100):02d} {rng.randrange(100):02d}",
            "siret": _siret(rng),
            "legal_form": rng.choice(LEGAL_FORMS),
            "services": "|".join(rng.sample(SERVICES, rng.randint(0, 3))),
            "equipment": "|".join(rng.sample(EQUIPMENT, rng.randint(0, 2))),
            "wheelchair": rng.choice(WHEELCHAIR),
        }


def write_csv(
    path: Path, count: int, *, communes: list[Commune], prefix: str = "bench", revision: int = 0
) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CANONICAL_COLUMNS)
        writer.writeheader()
        writer.writerows(generate_rows(count, communes=communes, prefix=prefix, revision=revision))
    return path


def load_average() -> str:
    """The machine's load averages: other work on the same cores lowers every figure."""
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def bench_environment(var_dir: Path) -> dict[str, str]:
    """Environment of a child process working on a throw-away SQLite database in `var_dir`."""
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)  # never write benchmark rows into a configured database
    env.update(
        MAILLAGE_VAR_DIR=str(var_dir),
        MAILLAGE_ENV="development",
        DEBUG="0",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="maillage.settings",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPOSITORY), env.get("PYTHONPATH")])),
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run `maillage <args>` in a child process; its standard output, or an error."""
    result = subprocess.run(
        [sys.executable, "-m", "maillage", *args],
        env=env,
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"maillage {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def prepare_database(var_dir: Path) -> dict[str, str]:
    """Migrate a fresh SQLite database in `var_dir` and load the territories into it."""
    env = bench_environment(var_dir)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "load_territories")
    return env


@dataclass(frozen=True)
class ImportRun:
    rows: int
    elapsed_s: float
    report: dict
    baseline_kb: int
    peak_kb: int
    cpu_s: float = 0.0  # the child's own CPU time during the import (user + system)

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.elapsed_s

    @property
    def rows_per_cpu_s(self) -> float:
        return self.rows / self.cpu_s if self.cpu_s else 0.0


def run_import(env: dict[str, str], path: Path, *, rows: int, source: str) -> ImportRun:
    """Import `path` in a child process; its timing, report and memory figures."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.import_bench", "--child", str(path), source],
        env=env,
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"import of {path.name} failed:\n{stdout}{stderr}")
    child = json.loads(stdout.strip().splitlines()[-1])
    return ImportRun(
        rows=rows,
        elapsed_s=child["elapsed_s"],
        report=child["report"],
        baseline_kb=child["baseline_kb"],
        peak_kb=child["peak_kb"],
        cpu_s=child.get("cpu_s", 0.0),
    )


def child_import(path: str, source: str) -> None:
    """In the child: load Django, then time `import_places` alone; print one JSON line."""
    import resource

    import django

    django.setup()
    from maillage.opendata.services import import_places

    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, started_cpu = time.perf_counter(), time.process_time()
    report = import_places(actor=SYSTEM, source=source, path=path)
    elapsed_s = time.perf_counter() - started
    cpu_s = time.process_time() - started_cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if not report.succeeded:
        raise SystemExit(f"import rejected: {report.as_dict()['errors'][:5]}")
    counts = {key: value for key, value in report.as_dict().items() if key != "errors"}
    print(
        json.dumps(
            {
                "elapsed_s": elapsed_s,
                "cpu_s": cpu_s,
                "report": counts,
                "baseline_kb": baseline_kb,
                "peak_kb": peak_kb,
            }
        )
    )


def print_table(runs: list[tuple[str, ImportRun]]) -> None:
    print()
    print("Import of canonical CSV rows (opendata.services.import_places, SQLite, one process)")
    print(f"Load average of the machine at the end (1, 5, 15 min): {load_average()}")
    header = (
        f"{'run':<28} {'rows':>8} {'s':>7} {'rows/s':>8} {'target':>7} {'ratio':>6} "
        f"{'CPU s':>6} {'rows/CPU s':>10} {'base MB':>8} {'peak MB':>8}  report"
    )
    print(header)
    print("-" * len(header))
    for label, run in runs:
        counts = ", ".join(f"{key} {value}" for key, value in run.report.items())
        print(
            f"{label:<28} {run.rows:>8} {run.elapsed_s:>7.2f} {run.rows_per_s:>8.0f} "
            f"{MIN_ROWS_PER_S:>7} {run.rows_per_s / MIN_ROWS_PER_S:>6.2f} "
            f"{run.cpu_s:>6.2f} {run.rows_per_cpu_s:>10.0f} "
            f"{run.baseline_kb / MEGABYTE_KB:>8.0f} {run.peak_kb / MEGABYTE_KB:>8.0f}  {counts}"
        )
    small, large = runs[0][1], runs[1][1]
    ratio = large.peak_kb / small.peak_kb
    verdict = "flat" if ratio <= MAX_PEAK_RATIO else "NOT flat"
    print(
        f"memory: peak {large.peak_kb / MEGABYTE_KB:.0f} MB for {large.rows} rows vs "
        f"{small.peak_kb / MEGABYTE_KB:.0f} MB for {small.rows} rows: ratio {ratio:.2f} "
        f"(target ≤ {MAX_PEAK_RATIO}) → {verdict}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_bench")
    parser.add_argument("--quick", action="store_true", help="2,000 and 20,000 rows")
    parser.add_argument("--child", nargs=2, metavar=("FILE", "SOURCE"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child_import(*options.child)
        return 0

    small, large = (2_000, 20_000) if options.quick else (5_000, 100_000)
    communes = read_communes()
    with tempfile.TemporaryDirectory(prefix="maillage-import-bench-") as tmp:
        var_dir = Path(tmp)
        print(f"Preparing a temporary database in {var_dir} (migrate, load_territories)…")
        env = prepare_database(var_dir)
        runs = []
        for count in (small, large):
            path = write_csv(var_dir / f"places-{count}.csv", count, communes=communes)
            size_mb = path.stat().st_size / 1024 / 1024
            print(f"Importing {count} rows ({size_mb:.1f} MB)…")
            runs.append(
                (f"{count} rows, new", run_import(env, path, rows=count, source=f"b{count}"))
            )
        print(f"Importing the {large} rows again…")
        again = run_import(env, path, rows=large, source=f"b{large}")
        runs.append((f"{large} rows, unchanged", again))
        edited = write_csv(
            var_dir / f"places-{large}-edited.csv", large, communes=communes, revision=1
        )
        print(f"Importing the {large} rows with every description changed…")
        runs.append(
            (f"{large} rows, updated", run_import(env, edited, rows=large, source=f"b{large}"))
        )
        print_table(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
