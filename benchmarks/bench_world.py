"""What the benchmarks' children write through the services before a measure (each caller has
set Django up): a place near Pau, its meeting rooms, its one-hour workshops, and members of it
with an API token each. Written through the services, as a place's staff would, so the rows
are those the measured requests meet in use.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

PAU = {"latitude": 43.2951, "longitude": -0.3708}


def bench_place(*, name: str, kinds: list[str]):
    from maillage.common.actors import SYSTEM
    from maillage.places.services import create_place

    return create_place(actor=SYSTEM, data={"name": name, "kinds": kinds, **PAU})


def meeting_rooms(place, *, count: int, max_advance_days: int) -> list[int]:
    """`count` rooms open 24/7, booked by the hour (their ids)."""
    from maillage.bookings.services import create_resource
    from maillage.common.actors import SYSTEM

    return [
        create_resource(
            actor=SYSTEM,
            place=place,
            name=f"Salle {n:03d}",
            kind="meeting_room",
            opening_hours="24/7",
            max_advance_days=max_advance_days,
            slot_step_minutes=60,
            min_duration_minutes=60,
        ).pk
        for n in range(count)
    ]


def workshops(place, *, count: int, start: datetime, capacity: int) -> list[int]:
    """`count` one-hour workshops, one after the other from `start` (their ids)."""
    from maillage.common.actors import SYSTEM
    from maillage.events import services as events

    return [
        events.create_event(
            actor=SYSTEM,
            place=place,
            data={
                "title": f"Atelier {n}",
                "category": "workshop",
                "start": start + timedelta(hours=n),
                "end": start + timedelta(hours=n + 1),
                "capacity": capacity,
            },
        ).pk
        for n in range(count)
    ]


def members_with_tokens(place, *, usernames: Iterable[str], label: str) -> list[str]:
    """An active member of `place` per username (asked and accepted, as in use), and the API
    token of each (named `label`), in the same order."""
    from maillage.accounts.models import User
    from maillage.accounts.services import create_api_token
    from maillage.common.actors import SYSTEM
    from maillage.members import services as members

    tokens = []
    for username in usernames:
        user = User.objects.create_user(username=username, email=f"{username}@example.org")
        membership = members.request_membership(actor=user, place=place)
        members.accept_request(actor=SYSTEM, membership=membership)
        tokens.append(create_api_token(user=user, name=label)[1])
    return tokens
