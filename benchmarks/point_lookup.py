"""Finding the commune of 5,000 places from their coordinates (issue 13 §3).

`python -m benchmarks point_lookup [--quick]`: the commune outlines of the shipped file in an
`OutlineIndex` (as `CommuneIndex.preload().by_point` builds it from the database), then 5,000
points looked up: communes' own points moved by up to 1 km, seeded. CPU time
(`time.process_time`), since wall time is noisy on the shared machine. The database read of the
outlines (one query per import) is not counted; decoding the shipped file is printed apart
(`load_territories` does it once, the running application never).

Target: an import of 5,000 places spends < 5 s of CPU finding communes (1 ms a place).
"""

import argparse
import csv
import gzip
import json
import random
import sys
import time
from pathlib import Path

from maillage.territories.outlines import OutlineIndex, bbox_of, decode_polygons, to_geojson

DATA = Path(__file__).resolve().parent.parent / "maillage" / "territories" / "data"
TARGET_S = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 points instead of 5,000")
    options = parser.parse_args(argv)
    count = 1_000 if options.quick else 5_000

    decoding = time.process_time()
    with gzip.open(DATA / "outlines.json.gz", "rt", encoding="utf-8") as handle:
        encoded = json.load(handle)["levels"]["commune"]
    rows = [
        (code, *bbox_of(polygons), to_geojson(polygons))
        for code, polygons in ((code, decode_polygons(value)) for code, value in encoded.items())
    ]
    decoding = time.process_time() - decoding
    with gzip.open(DATA / "territories.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        communes = [
            (row["code"], float(row["latitude"]), float(row["longitude"]))
            for row in csv.DictReader(handle)
            if row["level"] == "commune" and row["code"] in encoded
        ]
    rng = random.Random(13)
    points = [
        (code, lat + rng.uniform(-0.009, 0.009), lon + rng.uniform(-0.009, 0.009))
        for code, lat, lon in rng.sample(communes, count)
    ]

    start = time.process_time()
    index = OutlineIndex.from_rows(rows)
    built = time.process_time() - start
    found = [index.locate(lat, lon) for _, lat, lon in points]
    total = time.process_time() - start
    same = sum(code == result for (code, _, _), result in zip(points, found, strict=True))
    scaled = total * 5_000 / count

    print(f"{len(rows):,} commune outlines; {count:,} points looked up")
    print(f"decoding the shipped outlines (not counted): {decoding:.2f} s CPU")
    print(f"index built (rows to arrays): {built:.2f} s CPU")
    print(f"lookups: {total - built:.2f} s CPU, {1000 * (total - built) / count:.2f} ms a point")
    print(f"found in no commune: {found.count(None)}; in the commune they were moved from: {same}")
    verdict = "met" if scaled < TARGET_S else f"missed by {100 * (scaled / TARGET_S - 1):.0f} %"
    print(f"5,000 places: {scaled:.2f} s CPU (target < {TARGET_S:.0f} s): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
