"""Demo resources, qualifications and past bookings for the demo places around Pau
(development only).

`load_demo_bookings()` is deterministic and idempotent. For each of the `DEMO_PLACE_COUNT`
demo places nearest Pau (the list of `demo_members.py`, same rule, same order) it finds or
creates, through the bookings services:
- a meeting room and, in every other place, a second one;
- an open space of N desks (N from 8 to 20, by place);
- in the two places nearest Pau, a laser cutter requiring the qualification "Découpe laser",
  whose training is "Initiation découpe laser" (granted to `demo-thomas`, never to
  `demo-membre`, who has no machine qualification);
- and, for a resource that has no booking yet, `PAST_DAYS` days of past bookings by the demo
  people (staff bookings with a recorded reason, as history is), plus a few in the coming days
  for the others than `demo-membre`, whose calendar stays free for a first booking.

The demo accounts come from `demo_members.py` when it is there; otherwise they are created here
by username (found, never changed, on a later run), so the two modules run in any order.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import User
from maillage.bookings import services
from maillage.bookings.models import Qualification, QualificationGrant, Resource
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict
from maillage.common.geo import haversine_km
from maillage.members.models import Plan, ResourceKind
from maillage.places.kinds import PlaceStatus
from maillage.places.models import Place

from .demo import DEMO_SOURCE

DEMO_SEED = 20261201
PAU = (43.2951, -0.3708)
DEMO_RADIUS_KM = 30
DEMO_PLACE_COUNT = 12
LASER_PLACES = 2
PAST_DAYS = 90
DEMO_REASON = "Données de démonstration"
DEMO_MEMBER = "demo-membre"
# People who book in the demo (demo_members.py creates them too, with the same usernames).
BOOKERS = ("demo-camille", "demo-lucas", "demo-thomas", "demo-ines", "demo-lea")
LASER_TRAINED = "demo-thomas"
QUALIFICATION = "Découpe laser"
TRAINING = "Initiation découpe laser"
WEEKDAY_HOURS = "Mo-Fr 08:00-19:00; PH off"
ROOM_HOURS = "Mo-Fr 08:00-20:00; Sa 09:00-13:00; PH off"
ROOM_NAMES = ("Salle Ossau", "Salle Aspe", "Salle Baïse", "Salle Gave", "Salle Pic du Midi")


@dataclass
class DemoBookingsReport:
    places: int
    resources_created: int
    qualifications_created: int
    grants_created: int
    bookings_created: int


def demo_places() -> list[Place]:
    """The open demo places nearest Pau, nearest first, ties by source id (as demo_members)."""
    candidates = Place.objects.filter(source=DEMO_SOURCE).exclude(status=PlaceStatus.CLOSED)
    near = []
    for place in candidates:
        distance = haversine_km(PAU[0], PAU[1], place.latitude, place.longitude)
        if distance <= DEMO_RADIUS_KM:
            near.append((round(distance, 6), place.source_id, place))
    near.sort(key=lambda item: (item[0], item[1]))
    return [place for _distance, _id, place in near[:DEMO_PLACE_COUNT]]


def _demo_user(username: str) -> User:
    """The demo account, from demo_members.py when it exists, else found or created here."""
    try:
        from .demo_members import demo_user
    except ImportError:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", "is_active": True}
        )
        return user
    return demo_user(username)


def _resource(place: Place, name: str, **fields) -> tuple[Resource, bool]:
    existing = Resource.objects.filter(place=place, name=name).first()
    if existing is not None:
        return existing, False
    return services.create_resource(actor=SYSTEM, place=place, name=name, **fields), True


def _qualification(place: Place) -> tuple[Qualification, bool]:
    existing = Qualification.objects.filter(place=place, name=QUALIFICATION).first()
    if existing is not None:
        return existing, False
    created = services.create_qualification(
        actor=SYSTEM, place=place, name=QUALIFICATION, training=TRAINING, validity_days=730
    )
    return created, True


def _at(place: Place, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=place.timezone)


def _book_history(
    resource: Resource, people: list[User], rng: random.Random, today: date, *, upcoming: bool
) -> int:
    """Past bookings (and a few upcoming ones) of `resource`, if it has none yet."""
    if resource.bookings.exists():
        return 0
    place = resource.place
    made = 0
    first = today - timedelta(days=PAST_DAYS)
    last = today + timedelta(days=10 if upcoming else -1)
    day = first
    while day <= last:
        if day.weekday() < 5 and day != today:
            for _ in range(rng.randint(0, 1 if resource.capacity == 1 else 2)):
                start_hour = rng.randint(8, 16)
                hours = rng.choice((1, 1, 2, 3)) if resource.capacity == 1 else rng.choice((4, 8))
                if day > today and resource.capacity == 1:
                    hours = 1
                end_hour = min(start_hour + hours, 19)
                booker = rng.choice(people)
                try:
                    services.book(
                        actor=SYSTEM,
                        resource=resource,
                        user=booker,
                        start=_at(place, day, start_hour),
                        end=_at(place, day, end_hour),
                        override_reason=DEMO_REASON,
                        notify=False,  # demo people have no mailbox to fill
                    )
                except Conflict:
                    continue
                made += 1
        day += timedelta(days=1)
    return made


@transaction.atomic
def load_demo_bookings(*, today: date | None = None) -> DemoBookingsReport:
    """Create the demo resources, qualifications and bookings (see the module); a rerun adds
    nothing."""
    today = today or timezone.localdate()
    places = demo_places()
    _demo_user(DEMO_MEMBER)  # exists for the other demos, never booked here
    people = [_demo_user(username) for username in BOOKERS]
    trained = next(person for person in people if person.username == LASER_TRAINED)
    resources_created = qualifications_created = grants_created = bookings_created = 0
    for index, place in enumerate(places):
        rng = random.Random(DEMO_SEED + index)  # noqa: S311 - reproducible demo data, not a secret
        rooms = [ROOM_NAMES[index % len(ROOM_NAMES)]]
        if index % 2 == 0:
            rooms.append(ROOM_NAMES[(index + 2) % len(ROOM_NAMES)])
        made: list[Resource] = []
        for name in rooms:
            room, created = _resource(
                place,
                name,
                kind=ResourceKind.MEETING_ROOM,
                description="Salle de réunion, écran et tableau blanc.",
                opening_hours=ROOM_HOURS,
                min_duration_minutes=30,
                max_duration_minutes=240,
                slot_step_minutes=30,
                max_advance_days=60,
                cancellation_deadline_hours=2,
                member_price_cents_per_hour=0,
                public_price_cents_per_hour=1500,
            )
            resources_created += created
            made.append(room)
        space, created = _resource(
            place,
            "Open space",
            kind=ResourceKind.DESK,
            description="Postes en accès libre, réservables à la demi-journée ou à la journée.",
            capacity=8 + (index * 5) % 13,
            opening_hours=WEEKDAY_HOURS,
            min_duration_minutes=60,
            max_duration_minutes=660,
            slot_step_minutes=60,
            max_advance_days=30,
            cancellation_deadline_hours=1,
        )
        resources_created += created
        made.append(space)
        offices = list(Plan.objects.filter(place=place, name__in=("Mensuel", "Annuel")))
        if index % 3 == 1 and offices:
            office, created = _resource(
                place,
                "Bureau fermé",
                kind=ResourceKind.OFFICE,
                description="Bureau pour deux, réservé aux formules mensuelle et annuelle.",
                bookable_by="plans",
                opening_hours=WEEKDAY_HOURS,
                min_duration_minutes=60,
                max_duration_minutes=660,
                slot_step_minutes=60,
                allowed_plans=offices,
            )
            resources_created += created
            made.append(office)
        if index < LASER_PLACES:
            qualification, created = _qualification(place)
            qualifications_created += created
            cutter, created = _resource(
                place,
                "Découpeuse laser",
                kind=ResourceKind.MACHINE,
                description="Découpe et gravure laser CO₂, plateau 60 × 40 cm.",
                opening_hours=WEEKDAY_HOURS,
                min_duration_minutes=30,
                max_duration_minutes=180,
                slot_step_minutes=30,
                member_price_cents_per_hour=500,
                public_price_cents_per_hour=2000,
                required_qualification=qualification,
            )
            resources_created += created
            made.append(cutter)
            if not QualificationGrant.objects.filter(
                qualification=qualification, user=trained
            ).exists():
                services.grant_qualification(
                    actor=SYSTEM,
                    qualification=qualification,
                    user=trained,
                    granted_on=today - timedelta(days=PAST_DAYS + 10),
                    source=QualificationGrant.Source.TRAINING,
                    source_ref="demo:initiation-laser",
                )
                grants_created += 1
        for resource in made:
            bookers = [trained] if resource.requires_qualification else people
            bookings_created += _book_history(resource, bookers, rng, today, upcoming=True)
    return DemoBookingsReport(
        places=len(places),
        resources_created=resources_created,
        qualifications_created=qualifications_created,
        grants_created=grants_created,
        bookings_created=bookings_created,
    )
