"""Observatory benchmark (issue 11 §5): every indicator of N places over 36 months.

Synthetic data, written in bulk into a throw-away SQLite database under `var/` (the set-up is
not measured): at `--scale 1`, 5,000 places in 96 départements of 13 régions, 100,000 people
with memberships, about 10 million check-ins, 2 million bookings on 3 resources per place,
200,000 event registrations, over the 36 months up to the current month. `--scale 0.01` writes
a hundredth of everything (50 places, 100,000 check-ins…).

Each measure runs in its own child process (its peak memory is its own):

1. full computation of every indicator of every place by month, quarter and year, and of
   every aggregate with statistical secrecy (`observatory.services.compute_all`): < 60 s and
   < 2 GB peak RSS;
2. incremental update after one day of new check-ins and bookings at every place (the
   place-months marked stale, as a bulk loader does, then `recompute_stale`): < 5 s;
3. the France page and a région page (`/observatoire/`, `/observatoire/region/75/`), the
   median of 10 requests through Django's test client after one warm-up: < 200 ms each;
4. the PDF activity report of a département (`observatory.reports.report_pdf`): < 5 s.

Times are CPU seconds of the measuring process (`time.process_time`): on a shared, loaded
machine wall-clock time measures the neighbours. SQLite runs in-process, so its work is
counted; wall-clock time is printed beside it.

    python -m benchmarks observatory [--quick]            # --quick: --scale 0.01
    python -m benchmarks.observatory [--scale 0.05] [--keep]
"""

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from benchmarks.harness import child_json
from benchmarks.import_bench import REPOSITORY, bench_environment, load_average, manage

PLACES = 5_000
PEOPLE_PER_PLACE = 20
CHECKINS = 10_000_000
BOOKINGS = 2_000_000
REGISTRATIONS = 200_000
EVENT_CAPACITY = 20
MONTHS = 36
RESOURCES_PER_PLACE = 3
BATCH = 20_000
REGIONS = [f"{n}" for n in (11, 24, 27, 28, 32, 44, 52, 53, 75, 76, 84, 93, 94)]
TARGETS = {
    "full_s": 60.0,
    "full_rss_mb": 2048.0,
    "incremental_s": 5.0,
    "france_page_ms": 200.0,
    "region_page_ms": 200.0,
    "departement_pdf_s": 5.0,
}


def _months_back(today: date, count: int) -> date:
    index = today.year * 12 + today.month - 1 - (count - 1)
    return date(index // 12, index % 12 + 1, 1)


def _verdict(figure: float, target: float) -> str:
    if figure <= target:
        return "met"
    return f"missed by {(figure / target - 1) * 100:.0f} %"


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# --- children (Django set up) -------------------------------------------------------------


def step_generate(scale: float) -> dict:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from maillage.accounts.models import User
    from maillage.bookings.models import Booking, BookingStatus, Resource
    from maillage.checkins.models import CheckIn, CheckInSource
    from maillage.events.models import Event, EventStatus, Registration, RegistrationStatus
    from maillage.members.models import Membership, MembershipStatus, ResourceKind
    from maillage.places.models import Place
    from maillage.territories.models import Territory

    rng = random.Random(20261201)
    today = date.today()
    first = _months_back(today, MONTHS)
    days = (today - first).days + 1
    n_places = max(10, round(PLACES * scale))
    departements = [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A"]
    region_of = {dep: REGIONS[i % len(REGIONS)] for i, dep in enumerate(departements)}
    territories = [
        Territory(level="region", code=code, name=f"Région {code}", search_name=f"region {code}")
        for code in REGIONS
    ]
    territories += [
        Territory(
            level="departement",
            code=dep,
            name=f"Département {dep}",
            search_name=f"departement {dep}",
            region_code=region_of[dep],
            latitude=46.0,
            longitude=2.0,
        )
        for dep in departements
    ]
    Territory.objects.bulk_create(territories, batch_size=BATCH)
    places = Place.objects.bulk_create(
        [
            Place(
                name=f"Lieu {n:05d}",
                slug=f"lieu-{n:05d}",
                latitude=42 + rng.random() * 8,
                longitude=-4 + rng.random() * 11,
                departement_code=departements[n % len(departements)],
                region_code=region_of[departements[n % len(departements)]],
                city=f"Commune {n}",
                opening_hours="Mo-Fr 09:00-18:00",
            )
            for n in range(n_places)
        ],
        batch_size=BATCH,
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"u{n}", password=password, email=f"u{n}@example.org")
            for n in range(n_places * PEOPLE_PER_PLACE)
        ],
        batch_size=BATCH,
    )
    people = {
        place.pk: users[i * PEOPLE_PER_PLACE : (i + 1) * PEOPLE_PER_PLACE]
        for i, place in enumerate(places)
    }
    Membership.objects.bulk_create(
        [
            Membership(
                place_id=place_id,
                user=user,
                status=MembershipStatus.ACTIVE,
                start_date=first + timedelta(days=rng.randrange(days)),
            )
            for place_id, members in people.items()
            for user in members
        ],
        batch_size=BATCH,
    )

    def moment() -> datetime:
        day = first + timedelta(days=rng.randrange(days))
        return datetime(day.year, day.month, day.day, 7 + rng.randrange(8), tzinfo=UTC)

    place_ids = [place.pk for place in places]
    n_checkins = round(CHECKINS * scale)
    for start in range(0, n_checkins, BATCH):
        rows = []
        for _ in range(min(BATCH, n_checkins - start)):
            place_id = rng.choice(place_ids)
            at = moment()
            rows.append(
                CheckIn(
                    place_id=place_id,
                    user=rng.choice(people[place_id]),
                    checked_in_at=at,
                    checked_out_at=at + timedelta(hours=1 + rng.randrange(8)),
                    source=CheckInSource.QR,
                )
            )
        CheckIn.objects.bulk_create(rows, batch_size=BATCH)
    kinds = [ResourceKind.values[i % len(ResourceKind.values)] for i in range(RESOURCES_PER_PLACE)]
    resources = Resource.objects.bulk_create(
        [
            Resource(
                place_id=place_id,
                name=f"Ressource {i}",
                kind=kinds[i],
                opening_hours="Mo-Fr 08:00-20:00",
            )
            for place_id in place_ids
            for i in range(RESOURCES_PER_PLACE)
        ],
        batch_size=BATCH,
    )
    n_bookings = round(BOOKINGS * scale)
    for start in range(0, n_bookings, BATCH):
        rows = []
        for _ in range(min(BATCH, n_bookings - start)):
            item = rng.choice(resources)
            at = moment()
            rows.append(
                Booking(
                    resource=item,
                    user=rng.choice(people[item.place_id]),
                    start=at,
                    end=at + timedelta(hours=1 + rng.randrange(3)),
                    status=BookingStatus.CONFIRMED,
                )
            )
        Booking.objects.bulk_create(rows, batch_size=BATCH)
    n_registrations = round(REGISTRATIONS * scale)
    n_events = max(1, n_registrations // (EVENT_CAPACITY // 2))
    events = []
    for _ in range(n_events):
        at = moment()
        events.append(
            Event(
                place_id=rng.choice(place_ids),
                title="Atelier",
                category="workshop",
                start=at,
                end=at + timedelta(hours=2),
                capacity=EVENT_CAPACITY,
                taken=EVENT_CAPACITY // 2,
                status=EventStatus.SCHEDULED,
            )
        )
    events = Event.objects.bulk_create(events, batch_size=BATCH)
    rows = []
    for event in events:
        for user in rng.sample(people[event.place_id], EVENT_CAPACITY // 2):
            rows.append(Registration(event=event, user=user, status=RegistrationStatus.CONFIRMED))
    Registration.objects.bulk_create(rows, batch_size=BATCH)
    return {
        "places": n_places,
        "people": len(users),
        "checkins": n_checkins,
        "bookings": n_bookings,
        "events": len(events),
        "registrations": len(rows),
    }


def step_full() -> dict:
    import django

    django.setup()
    from maillage.observatory.services import compute_all

    cpu, wall = time.process_time(), time.perf_counter()
    report = compute_all()
    return {
        "full_s": time.process_time() - cpu,
        "full_wall_s": time.perf_counter() - wall,
        "full_rss_mb": _peak_rss_mb(),
        "place_values": report.places.created,
        "aggregates": report.aggregates.created,
    }


def step_incremental() -> dict:
    import django

    django.setup()
    from django.utils import timezone

    from maillage.bookings.models import Booking, BookingStatus, Resource
    from maillage.checkins.models import CheckIn, CheckInSource
    from maillage.members.models import Membership
    from maillage.observatory.services import mark_stale, recompute_stale

    rng = random.Random(7)
    today = timezone.localdate()
    noon = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    members = {}
    for place_id, user_id in Membership.objects.values_list("place_id", "user_id"):
        members.setdefault(place_id, []).append(user_id)
    # One day of activity: a tenth of each place's people come in, one booking per resource.
    checkins = [
        CheckIn(
            place_id=place_id,
            user_id=user_id,
            checked_in_at=noon,
            checked_out_at=noon + timedelta(hours=5),
            source=CheckInSource.QR,
        )
        for place_id, users in members.items()
        for user_id in rng.sample(users, max(1, len(users) // 10))
    ]
    CheckIn.objects.bulk_create(checkins, batch_size=BATCH)
    bookings = [
        Booking(
            resource_id=resource_id,
            user_id=members[place_id][0],
            start=noon,
            end=noon + timedelta(hours=2),
            status=BookingStatus.CONFIRMED,
        )
        for resource_id, place_id in Resource.objects.values_list("pk", "place_id")
    ]
    Booking.objects.bulk_create(bookings, batch_size=BATCH)
    cpu, wall = time.process_time(), time.perf_counter()
    for place_id in members:
        mark_stale(place_id=place_id, when=today)
    recompute_stale()
    return {
        "incremental_s": time.process_time() - cpu,
        "incremental_wall_s": time.perf_counter() - wall,
        "new_checkins": len(checkins),
        "new_bookings": len(bookings),
    }


def _page_ms(client, path: str, repeat: int = 10) -> tuple[float, float]:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path} answered {response.status_code}")
    cpu_times, wall_times = [], []
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        client.get(path)
        cpu_times.append((time.process_time() - cpu) * 1000)
        wall_times.append((time.perf_counter() - wall) * 1000)
    cpu_times.sort()
    wall_times.sort()
    return cpu_times[repeat // 2], wall_times[repeat // 2]


def step_pages() -> dict:
    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from django.test import Client
    from django.test.utils import setup_test_environment

    from maillage.observatory import reports, selectors
    from maillage.observatory.periods import parse_period

    setup_test_environment()
    client = Client()
    france_ms, france_wall = _page_ms(client, "/observatoire/")
    region_ms, region_wall = _page_ms(client, "/observatoire/region/75/")
    area = selectors.resolve_area("departement", "64")
    period = parse_period(str(date.today().year))
    reports.report_pdf(area, period, user=AnonymousUser())  # warm-up: fonts, pango
    cpu, wall = time.process_time(), time.perf_counter()
    pdf = reports.report_pdf(area, period, user=AnonymousUser())
    return {
        "france_page_ms": france_ms,
        "france_page_wall_ms": france_wall,
        "region_page_ms": region_ms,
        "region_page_wall_ms": region_wall,
        "departement_pdf_s": time.process_time() - cpu,
        "departement_pdf_wall_s": time.perf_counter() - wall,
        "pdf_bytes": len(pdf),
    }


STEPS = {"full": step_full, "incremental": step_incremental, "pages": step_pages}


# --- parent -------------------------------------------------------------------------------


def _child(env: dict[str, str], step: str, *args: str) -> dict:
    return child_json("observatory", env, "--step", step, *args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="share of the issue's volumes")
    parser.add_argument("--quick", action="store_true", help="the same as --scale 0.01")
    parser.add_argument("--keep", action="store_true", help="keep the database (its path printed)")
    parser.add_argument("--step", choices=["generate", *STEPS], help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    scale = 0.01 if options.quick else options.scale
    if options.step == "generate":
        print(json.dumps(step_generate(scale)))
        return 0
    if options.step:
        print(json.dumps(STEPS[options.step]()))
        return 0
    var = REPOSITORY / "var"
    var.mkdir(exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="bench-observatory-", dir=var))
    env = bench_environment(var_dir)
    env["OBSERVATORY_BENCH"] = "1"
    try:
        manage(env, "migrate", "--noinput", "-v", "0")
        started = time.perf_counter()
        volumes = _child(env, "generate", "--scale", str(scale))
        print(
            f"scale {scale:g}: {volumes['places']:,} places, {volumes['people']:,} people, "
            f"{volumes['checkins']:,} check-ins, {volumes['bookings']:,} bookings, "
            f"{volumes['registrations']:,} registrations over {MONTHS} months "
            f"(written in {time.perf_counter() - started:.0f} s); load average {load_average()}"
        )
        figures = {}
        for step in STEPS:
            figures.update(_child(env, step))
        rows = [
            ("full computation (CPU s)", "full_s", "full_wall_s", "s"),
            ("full computation peak RSS (MB)", "full_rss_mb", None, "MB"),
            ("incremental, one day (CPU s)", "incremental_s", "incremental_wall_s", "s"),
            ("France page (CPU ms, median)", "france_page_ms", "france_page_wall_ms", "ms"),
            ("région page (CPU ms, median)", "region_page_ms", "region_page_wall_ms", "ms"),
            ("département PDF report (CPU s)", "departement_pdf_s", "departement_pdf_wall_s", "s"),
        ]
        print(f"{'measure':<34} {'figure':>10} {'wall':>10} {'target':>9}  verdict")
        for label, key, wall_key, unit in rows:
            wall = f"{figures[wall_key]:.2f}" if wall_key else ""
            print(
                f"{label:<34} {figures[key]:>10.2f} {wall:>10} {TARGETS[key]:>7g} {unit:<2} "
                f"{_verdict(figures[key], TARGETS[key])}"
            )
        print(
            f"({figures['place_values']:,} place values and {figures['aggregates']:,} aggregates "
            f"written; the PDF is {figures['pdf_bytes'] / 1024:.0f} kB)"
        )
        if scale < 1:
            print(f"Measured at scale {scale:g}: the targets are for scale 1.")
        return 0
    finally:
        if options.keep:
            print(f"database kept in {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.settings")
    sys.exit(main())
