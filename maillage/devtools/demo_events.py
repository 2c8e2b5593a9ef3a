"""A season of demo events at the demo places around Pau (development only).

`load_demo_events()` is deterministic and idempotent: an event is identified by its place, its
title and its start, and made only when missing, through the events services. Around the day
it runs (`today`), for the demo places nearest Pau (`demo_bookings.demo_places`):

- the place nearest Pau holds a **repair café** every Saturday 10:00–12:30, eight weeks back
  and eight weeks ahead (weekly series), free and public, 12 seats; the next session has only
  3 seats and 2 of them taken, so a visitor can take the last one and the next person waits;
- the second runs a **digital-help drop-in** on Tuesdays 14:00–17:00 (free, public);
- the places with the laser cutter hold an **« Initiation découpe laser »** training now and
  then, which grants « Découpe laser » to those marked present (never to `demo-membre`);
- others hold a sewing workshop for members (5 €), an open day and a members' meeting.

Past sessions have registrations of the demo people with attendance marked (present, absent,
excused); coming ones have a few registrations. Emails about past events are not sent.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from maillage.bookings.models import Qualification
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict
from maillage.events import services
from maillage.events.models import Event, RegistrationStatus
from maillage.places.models import Place

from .demo_bookings import (
    BOOKERS,
    DEMO_MEMBER,
    DEMO_SEED,
    LASER_PLACES,
    QUALIFICATION,
    TRAINING,
    _demo_user,
    demo_places,
)

WEEKS_BACK = 8
WEEKS_AHEAD = 8
REPAIR_TITLE = "Repair café"


@dataclass
class DemoEventsReport:
    places: int
    events_created: int
    registrations_created: int


def _at(place: Place, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=place.timezone)


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _sessions(place, title, first_day, weeks, *, start, end, **data):
    for week in range(weeks):
        day = first_day + timedelta(weeks=week)
        yield {
            "title": title,
            "start": _at(place, day, *start),
            "end": _at(place, day, *end),
            **data,
        }


def _plan(places: list[Place], today: date) -> list[tuple[Place, dict]]:
    plan: list[tuple[Place, dict]] = []
    if not places:
        return plan
    saturday = _next_weekday(today, 5) - timedelta(weeks=WEEKS_BACK)
    repair = {
        "category": "repair",
        "description": (
            "Apportez un objet en panne — petit électroménager, vélo, vêtement, ordinateur — "
            "et réparez-le **avec** un·e bénévole.\n\n- outils fournis\n- café offert"
        ),
        "capacity": 12,
        "audience": "Tout public",
        "accessibility": "Plain-pied, toilettes accessibles.",
    }
    for data in _sessions(
        places[0],
        REPAIR_TITLE,
        saturday,
        WEEKS_BACK + WEEKS_AHEAD,
        start=(10, 0),
        end=(12, 30),
        **repair,
    ):
        plan.append((places[0], data))
    if len(places) > 1:
        tuesday = _next_weekday(today, 1) - timedelta(weeks=WEEKS_BACK)
        for data in _sessions(
            places[1],
            "Permanence numérique",
            tuesday,
            WEEKS_BACK + WEEKS_AHEAD,
            start=(14, 0),
            end=(17, 0),
            category="digital_help",
            description="Aide aux démarches en ligne, messagerie, smartphone. Sans rendez-vous.",
            capacity=6,
        ):
            plan.append((places[1], data))
    for index, place in enumerate(places[:LASER_PLACES]):
        qualification = Qualification.objects.filter(place=place, name=QUALIFICATION).first()
        for offset in (-21 - 7 * index, 17 + 7 * index):
            day = today + timedelta(days=offset)
            plan.append(
                (
                    place,
                    {
                        "title": TRAINING,
                        "category": "training",
                        "start": _at(place, day, 18),
                        "end": _at(place, day, 20),
                        "capacity": 4,
                        "visibility": "members",
                        "qualification": qualification,
                        "description": "Sécurité, réglages, premier projet. Donne l'habilitation.",
                    },
                )
            )
    extras = (
        ("Atelier couture", "workshop", 500, "members", 8, (9, 30), (12, 0)),
        ("Portes ouvertes", "open_day", 0, "public", 60, (14, 0), (18, 0)),
        ("Réunion des membres", "meeting", 0, "members", 30, (19, 0), (21, 0)),
    )
    for index, place in enumerate(places[2:8]):
        title, category, price, visibility, capacity, start, end = extras[index % len(extras)]
        for offset in (-10 - index, 12 + index):
            day = today + timedelta(days=offset)
            plan.append(
                (
                    place,
                    {
                        "title": title,
                        "category": category,
                        "price_cents": price,
                        "visibility": visibility,
                        "capacity": capacity,
                        "start": _at(place, day, *start),
                        "end": _at(place, day, *end),
                    },
                )
            )
    return plan


def _registrations(event: Event, people, rng: random.Random, now: datetime) -> int:
    """Register some demo people; past events get their attendance."""
    if event.registrations.exists():
        return 0
    past = event.start < now
    is_next_repair = event.title == REPAIR_TITLE and event.capacity == 3
    count = 2 if is_next_repair else rng.randint(1, min(len(people), event.capacity))
    made = 0
    for person in rng.sample(people, count):
        try:
            registration = services.register(actor=SYSTEM, event=event, user=person)
        except Conflict:
            continue
        made += 1
        if past and registration.status == RegistrationStatus.CONFIRMED:
            attendance = rng.choices(["present", "absent", "excused"], weights=[7, 2, 1])[0]
            services.mark_attendance(actor=SYSTEM, registration=registration, attendance=attendance)
    return made


def load_demo_events(*, today: date | None = None) -> DemoEventsReport:
    """Create the demo season (see the module); a rerun adds nothing."""
    today = today or timezone.localdate()
    now = timezone.now()
    places = demo_places()
    _demo_user(DEMO_MEMBER)  # the journey's visitor: never registered here
    people = [_demo_user(username) for username in BOOKERS]
    events_created = registrations_created = 0
    next_repair_done = False
    for index, (place, planned) in enumerate(_plan(places, today)):
        data = dict(planned)
        rng = random.Random(DEMO_SEED + 1000 + index)  # noqa: S311 - reproducible demo data
        if data["title"] == REPAIR_TITLE and data["start"].date() > today and not next_repair_done:
            data["capacity"] = 3  # the next session: one seat left, then waiting
            next_repair_done = True
        existing = Event.objects.filter(place=place, title=data["title"], start=data["start"])
        event = existing.first()
        if event is None:
            event = services.create_event(actor=SYSTEM, place=place, data=data)
            events_created += 1
        eligible = people
        if data.get("qualification") is not None:
            eligible = [p for p in people if p.username != "demo-thomas"]
        registrations_created += _registrations(event, eligible, rng, now)
    return DemoEventsReport(
        places=len(places),
        events_created=events_created,
        registrations_created=registrations_created,
    )
