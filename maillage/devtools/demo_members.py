"""Demo accounts, plans and memberships for the demo places around Pau (development only).

`load_demo_members()` is deterministic and idempotent: users are found or created by username
(the bookings demo, `demo_bookings.py`, may create the same ones first), plans by place and
name, memberships only when the person has no open one at the place, and the last complete
month's charges through the idempotent `members.services.bill_period`. Every account shares
`DEMO_PASSWORD`; `maillage load_demo` refuses to run in production, so these accounts never
exist there.

- `demo-membre`: an active member of `MEMBER_PLACES` demo places near Pau, with a monthly plan,
  and no machine qualification;
- `demo-equipe`: staff of the `DEMO_PLACE_COUNT` demo places nearest Pau;
- `demo-gestion`: manager of the same places;
- a few more members (some in the directory) and pending requests, so the staff pages show
  something to decide.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import User
from maillage.common.actors import SYSTEM
from maillage.common.geo import haversine_km
from maillage.members import services
from maillage.members.models import Plan, PlanPeriod
from maillage.members.selectors import open_membership
from maillage.places.kinds import PlaceStatus
from maillage.places.models import Place, PlaceRole
from maillage.places.services import grant_place_role

from .demo import DEMO_SOURCE

DEMO_PASSWORD = "demo-maillage-2026"  # noqa: S105 - a published development password
DEMO_MEMBER, DEMO_STAFF, DEMO_MANAGER = "demo-membre", "demo-equipe", "demo-gestion"
PAU = (43.2951, -0.3708)
DEMO_RADIUS_KM = 30
DEMO_PLACE_COUNT = 12
MEMBER_PLACES = 3
# (name, period, price in cents): every demo place offers these, prices varying by place.
DEMO_PLANS = (
    ("Journée", PlanPeriod.DAY, 1500),
    ("Carte 10 jours", PlanPeriod.TEN_DAYS, 12000),
    ("Mensuel", PlanPeriod.MONTH, 15000),
    ("Annuel", PlanPeriod.YEAR, 150000),
)
# (username, first name, last name, in the directory, its presentation)
OTHER_MEMBERS = (
    ("demo-camille", "Camille", "Etcheverry", True, "Graphiste, sérigraphie et Inkscape."),
    ("demo-lucas", "Lucas", "Lassalle", True, "Développeur web ; aide volontiers sur Python."),
    ("demo-ines", "Inès", "Bordenave", False, ""),
    ("demo-thomas", "Thomas", "Casenave", True, "Menuisier, découpe laser et CNC."),
    ("demo-lea", "Léa", "Hourcade", False, ""),
)
REQUESTERS = (("demo-hugo", "Hugo", "Laborde"), ("demo-manon", "Manon", "Pucheu"))


@dataclass
class DemoMembersReport:
    users: int
    places: int
    plans_created: int
    memberships_created: int
    charges_created: int


def demo_places() -> list[Place]:
    """The `DEMO_PLACE_COUNT` open demo places nearest Pau (within `DEMO_RADIUS_KM`), nearest
    first, ties broken by source id: the same list on every run."""
    candidates = Place.objects.filter(source=DEMO_SOURCE).exclude(status=PlaceStatus.CLOSED)
    near = []
    for place in candidates:
        distance = haversine_km(PAU[0], PAU[1], place.latitude, place.longitude)
        if distance <= DEMO_RADIUS_KM:
            near.append((round(distance, 6), place.source_id, place))
    near.sort(key=lambda item: (item[0], item[1]))
    return [place for _distance, _id, place in near[:DEMO_PLACE_COUNT]]


def demo_user(username: str, *, first_name: str = "", last_name: str = "") -> User:
    """The demo account `username`, created if missing, with the demo password."""
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "email": f"{username}@example.org",
            "first_name": first_name,
            "last_name": last_name,
            "is_active": True,
        },
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _plans_for(place: Place, index: int) -> tuple[dict[str, Plan], int]:
    plans, created = {}, 0
    for name, period, price in DEMO_PLANS:
        plan = Plan.objects.filter(place=place, name=name).first()
        if plan is None:
            # Prices vary a little from place to place (5 % steps), deterministically.
            amount = price + price * (index % 4) * 5 // 100
            plan = services.create_plan(
                actor=SYSTEM, place=place, name=name, period=period, price_cents=amount
            )
            created += 1
        plans[name] = plan
    return plans, created


def _member(user: User, place: Place, plan: Plan, start: date) -> int:
    if open_membership(user, place) is not None:
        return 0
    membership = services.request_membership(actor=user, place=place, plan=plan)
    services.accept_request(actor=SYSTEM, membership=membership, start_date=start, notify=False)
    return 1


@transaction.atomic
def load_demo_members(*, today: date | None = None) -> DemoMembersReport:
    """Create the demo accounts, plans and memberships (see the module); a rerun adds nothing."""
    today = today or timezone.localdate()
    places = demo_places()
    member = demo_user(DEMO_MEMBER, first_name="Maïa", last_name="Démo")
    staff = demo_user(DEMO_STAFF, first_name="Eneko", last_name="Démo")
    manager = demo_user(DEMO_MANAGER, first_name="Sylvie", last_name="Démo")
    others = [
        demo_user(username, first_name=first, last_name=last)
        for username, first, last, _shown, _presentation in OTHER_MEMBERS
    ]
    requesters = [
        demo_user(username, first_name=first, last_name=last)
        for username, first, last in REQUESTERS
    ]
    # Memberships began on the first of the month six months ago: statements have a history.
    start = (today.replace(day=1) - timedelta(days=170)).replace(day=1)
    plans_created = memberships_created = charges_created = 0
    for index, place in enumerate(places):
        grant_place_role(actor=SYSTEM, place=place, user=manager, role=PlaceRole.Role.MANAGER)
        grant_place_role(actor=SYSTEM, place=place, user=staff, role=PlaceRole.Role.STAFF)
        plans, created = _plans_for(place, index)
        plans_created += created
        if index < MEMBER_PLACES:
            memberships_created += _member(member, place, plans["Mensuel"], start)
        for offset, (other, spec) in enumerate(zip(others, OTHER_MEMBERS, strict=True)):
            if (index + offset) % 3 == 0:
                name = ("Mensuel", "Annuel", "Carte 10 jours")[offset % 3]
                added = _member(other, place, plans[name], start + timedelta(days=7 * offset))
                memberships_created += added
                membership = open_membership(other, place)
                if added and spec[3] and membership is not None:
                    services.update_directory_consent(
                        actor=other,
                        membership=membership,
                        in_directory=True,
                        show_email=offset % 2 == 0,
                        presentation=spec[4],
                    )
        if index < 4:
            requester = requesters[index % len(requesters)]
            if open_membership(requester, place) is None:
                services.request_membership(
                    actor=requester,
                    place=place,
                    plan=plans["Mensuel"],
                    message="Bonjour, je voudrais venir travailler ici deux jours par semaine.",
                )
                memberships_created += 1
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        charges_created += len(
            services.bill_period(actor=SYSTEM, place=place, period_start=last_month)
        )
    return DemoMembersReport(
        users=3 + len(others) + len(requesters),
        places=len(places),
        plans_created=plans_created,
        memberships_created=memberships_created,
        charges_created=charges_created,
    )


def demo_credentials() -> list[tuple[str, str]]:
    """(username, what the account is) of the demo accounts, for `make run` and the README."""
    return [
        (DEMO_MEMBER, "membre actif de plusieurs lieux autour de Pau"),
        (DEMO_STAFF, "équipe (staff) des lieux de démonstration autour de Pau"),
        (DEMO_MANAGER, "gestion (manager) des mêmes lieux"),
    ]
