"""Demo check-ins, visitor counts and hosted organisations for the demo places around Pau.

Deterministic (a fixed seed; dates counted back from today) and idempotent: a second run finds
its people, stays and organisations and writes nothing. Everything goes through the services,
so the audit log and the figures see demo data as they would see real data. The demo people
are accounts `demo-voisin-01`… (not the demo accounts `demo-membre`, `demo-equipe`,
`demo-gestion`); they have no usable password.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import User
from maillage.checkins import services as checkins
from maillage.checkins.models import CheckIn, CheckInSource, VisitorKind
from maillage.common.actors import SYSTEM
from maillage.members import selectors as members_selectors
from maillage.members import services as members
from maillage.organisations import services as organisations
from maillage.organisations.models import HostingKind, Organisation, PersonRole
from maillage.places.kinds import PlaceStatus
from maillage.places.models import Place

from .demo import DEMO_SOURCE, _siret

SEED = 20261201
PAU_EPCI = "200067254"  # CA Pau Béarn Pyrénées
PLACES = 8
WEEKS = 10
PEOPLE = (
    ("Amaia", "Etcheverry"),
    ("Baptiste", "Lassalle"),
    ("Camille", "Darrigrand"),
    ("Dominique", "Haurat"),
    ("Élodie", "Cazenave"),
    ("Fabien", "Laborde"),
    ("Gaëlle", "Pucheu"),
    ("Hugo", "Larrieu"),
    ("Inès", "Bordenave"),
    ("Julien", "Casaubon"),
    ("Katia", "Lacoste"),
    ("Louis", "Mirande"),
)
ORGANISATIONS = (
    ("Studio Gave", "sas", "62.01Z", HostingKind.RESIDENT_OFFICE),
    ("Atelier des Coteaux", "sarl", "16.23Z", HostingKind.INCUBATION),
    ("Béarn Traduction", "sole_trader", "74.30Z", HostingKind.DOMICILIATION),
    ("Coop'Agri Numérique", "scic", "63.11Z", HostingKind.COWORKING_TEAM),
    ("Les Ateliers du Hédas", "association", "90.01Z", HostingKind.RESIDENT_OFFICE),
    ("Vélo Pyrène", "sas", "33.17Z", HostingKind.INCUBATION),
)


@dataclass
class DemoCheckinsReport:
    people: int = 0
    stays: int = 0
    organisations: int = 0


def demo_places() -> list[Place]:
    """The open demo places of the Pau agglomeration used for the demo activity."""
    return list(
        Place.objects.filter(
            source=DEMO_SOURCE, epci_code=PAU_EPCI, status=PlaceStatus.OPEN
        ).order_by("source_id")[:PLACES]
    )


def _people(places: list[Place], rng: random.Random, report: DemoCheckinsReport) -> dict:
    """Each demo person with the one or two places where they are an active member."""
    homes: dict[User, list[Place]] = {}
    for number, (first, last) in enumerate(PEOPLE, start=1):
        person, created = User.objects.get_or_create(
            username=f"demo-voisin-{number:02d}",
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"demo-voisin-{number:02d}@example.org",
            },
        )
        if created:
            person.set_unusable_password()
            person.save(update_fields=["password"])
            report.people += 1
        chosen = rng.sample(places, k=min(len(places), 1 + number % 2))
        for place in chosen:
            if members_selectors.open_membership(person, place) is None:
                membership = members.request_membership(actor=person, place=place)
                joined = timezone.localdate() - timedelta(weeks=WEEKS + 2)
                members.accept_request(actor=SYSTEM, membership=membership, start_date=joined)
        homes[person] = chosen
    return homes


def _stays(homes: dict, rng: random.Random, today: date, report: DemoCheckinsReport) -> None:
    if CheckIn.objects.filter(user__in=list(homes)).exists():
        return
    first_day = today - timedelta(weeks=WEEKS)
    day = first_day
    while day < today:
        if day.weekday() < 5:
            for person, places in homes.items():
                if rng.random() < 0.45:
                    continue
                place = rng.choice(places)
                zone = place.timezone
                arrival = datetime.combine(day, time(8), tzinfo=zone) + timedelta(
                    minutes=15 * rng.randint(0, 16)
                )
                leaving = arrival + timedelta(minutes=30 * rng.randint(2, 18))
                source = rng.choice([CheckInSource.QR, CheckInSource.QR, CheckInSource.DESK])
                stay = checkins.check_in(
                    actor=SYSTEM, place=place, user=person, source=source, at=arrival
                ).checkin
                checkins.check_out(actor=SYSTEM, checkin=stay, at=leaving)
                report.stays += 1
            for place in {place for places in homes.values() for place in places}:
                for kind in VisitorKind.values:
                    visitors = rng.randint(0, 3)
                    if visitors:
                        checkins.count_visitors(
                            actor=SYSTEM, place=place, kind=kind, count=visitors, day=day
                        )
        day += timedelta(days=1)


def _organisations(
    places: list[Place], homes: dict, rng: random.Random, today: date, report: DemoCheckinsReport
) -> None:
    people = list(homes)
    for index, (name, legal_form, naf, kind) in enumerate(ORGANISATIONS):
        place = places[index % len(places)]
        siret = _siret(rng)
        if Organisation.objects.filter(name=name, hostings__place=place).exists():
            continue
        start = today - timedelta(days=rng.randint(200, 900))
        domain = name.lower().replace(" ", "-").replace("'", "")
        organisation = organisations.create_organisation(
            actor=SYSTEM,
            place=place,
            kind=kind,
            start_date=start,
            name=name,
            siret=siret,
            legal_form=legal_form,
            naf_code=naf,
            created_on=start - timedelta(days=rng.randint(0, 400)),
            size_band=rng.choice(["00", "01", "02"]),
            contact_email=f"contact@{domain}.example.org",
        )
        organisations.link_person(
            actor=SYSTEM,
            organisation=organisation,
            role=PersonRole.FOUNDER,
            user=people[index % len(people)],
            start_date=start,
        )
        employees = rng.randint(1, 3)
        quarter_end = _quarter_end_after(start)
        while quarter_end < today:
            local = rng.randint(max(0, employees - 2), employees)
            organisations.declare_headcount(
                actor=SYSTEM,
                organisation=organisation,
                declared_on=quarter_end,
                employees=employees,
                employees_local=local,
            )
            employees = max(1, employees + rng.choice([0, 0, 1, 1, -1]))
            quarter_end = _quarter_end_after(quarter_end + timedelta(days=1))
        report.organisations += 1


def _quarter_end_after(day: date) -> date:
    """The last day of the quarter containing `day`."""
    month = ((day.month - 1) // 3 + 1) * 3
    following = date(day.year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def load_demo_checkins() -> DemoCheckinsReport:
    """Demo people, a few months of stays and visitor counts, and hosted organisations with
    their headcount series, at the demo places around Pau (none when they are not loaded)."""
    report = DemoCheckinsReport()
    places = demo_places()
    if not places:
        return report
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    today = timezone.localdate()
    with transaction.atomic():
        homes = _people(places, rng, report)
        _stays(homes, rng, today, report)
        _organisations(places, homes, rng, today, report)
    return report
