"""Every write about hosted organisations, their people, headcounts and commuting: one service
per change, each checked against `organisations.rules` and audited in its transaction.

No two hostings of one organisation at one place overlap: on PostgreSQL the exclusion
constraint `hosting_no_overlap` decides (also between two transactions in flight); on SQLite
the query below runs inside the IMMEDIATE transaction, which holds the only write lock, so
nothing can come between the check and the insert (the pattern of `common.capacity`).
"""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.accounts.services import account_of
from maillage.audit.services import record
from maillage.common.actors import SystemActor, check_actor, is_system
from maillage.common.capacity import EXCLUSION_VIOLATION
from maillage.common.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from maillage.common.mail import queue_mail
from maillage.places.models import Place
from maillage.territories.models import Territory

from .models import (
    CommutingDeclaration,
    HeadcountDeclaration,
    HeadcountReminder,
    Hosting,
    HostingKind,
    Organisation,
    OrganisationPerson,
    PersonRole,
    TransportMode,
)
from .rules import can_declare_commuting, can_edit_organisation, can_host_organisations
from .validation import FIELDS, clean_organisation

Actor = User | SystemActor


def _user(actor: Actor) -> User | None:
    return None if is_system(actor) else actor  # type: ignore[return-value]


def _today() -> date:
    return timezone.localdate()


def _check_dates(start: date | None, end: date | None, *, field: str = "end_date") -> None:
    if start is not None and end is not None and end < start:
        raise ValidationFailed([FieldError(field, _("La fin ne peut précéder le début."))])


def _insert_hosting(
    *, organisation: Organisation, place: Place, kind: str, start_date: date, end_date: date | None
) -> Hosting:
    if kind not in HostingKind.values:
        raise ValidationFailed([FieldError("kind", _("Type d'hébergement inconnu."))])
    _check_dates(start_date, end_date)
    overlapping = Hosting.objects.filter(organisation=organisation, place=place).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start_date)
    )
    if end_date is not None:
        overlapping = overlapping.filter(start_date__lte=end_date)
    refusal = _("Cette structure est déjà hébergée ici sur une partie de cette période.")
    if overlapping.exists():
        raise Conflict(refusal)
    try:
        with transaction.atomic():
            return Hosting.objects.create(
                organisation=organisation,
                place=place,
                kind=kind,
                start_date=start_date,
                end_date=end_date,
            )
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise Conflict(refusal) from exc
        raise


def _unique_siret(siret: str, *, exclude: int | None = None) -> None:
    namesakes = Organisation.objects.filter(siret=siret)
    if exclude is not None:
        namesakes = namesakes.exclude(pk=exclude)
    if siret and namesakes.exists():
        raise ValidationFailed([FieldError("siret", _("Une structure porte déjà ce SIRET."))])


@transaction.atomic
def create_organisation(
    *,
    actor: Actor,
    place: Place,
    kind: str,
    start_date: date | None = None,
    end_date: date | None = None,
    **fields: Any,
) -> Organisation:
    """Record an organisation hosted at `place` (`kind`: domiciliation, resident office,
    incubation, coworking team) from `start_date` (today)."""
    check_actor(actor)
    if not can_host_organisations(actor, place):
        raise PermissionDenied
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    values, errors = clean_organisation(fields)
    if errors:
        raise ValidationFailed(errors)
    _unique_siret(values["siret"])
    organisation = Organisation.objects.create(**values)
    hosting = _insert_hosting(
        organisation=organisation,
        place=place,
        kind=kind,
        start_date=start_date or _today(),
        end_date=end_date,
    )
    record(
        actor=actor,
        action="organisation.create",
        target=organisation,
        changes={name: [None, value] for name, value in values.items()}
        | {"hosting": [None, hosting.pk]},
        personal_fields=("contact_email",),
    )
    return organisation


@transaction.atomic
def update_organisation(*, actor: Actor, organisation: Organisation, **fields: Any) -> Organisation:
    """Change the fields given; the others stay."""
    check_actor(actor)
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown organisation fields: {sorted(unknown)}")
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    current = {name: getattr(organisation, name) for name in FIELDS}
    if "siret" in fields and "siren" not in fields:
        current["siren"] = ""  # derived again from the new SIRET
    values, errors = clean_organisation(current | fields)
    if errors:
        raise ValidationFailed(errors)
    _unique_siret(values["siret"], exclude=organisation.pk)
    changes = {
        name: [getattr(organisation, name), value]
        for name, value in values.items()
        if getattr(organisation, name) != value
    }
    if changes:
        for name, value in values.items():
            setattr(organisation, name, value)
        organisation.save()
        record(
            actor=actor,
            action="organisation.update",
            target=organisation,
            changes=changes,
            personal_fields=("contact_email",),
        )
    return organisation


@transaction.atomic
def add_hosting(
    *,
    actor: Actor,
    organisation: Organisation,
    place: Place,
    kind: str,
    start_date: date,
    end_date: date | None = None,
) -> Hosting:
    """Host `organisation` at `place` again (or elsewhere); never twice at once at one place."""
    check_actor(actor)
    if not can_host_organisations(actor, place):
        raise PermissionDenied
    hosting = _insert_hosting(
        organisation=organisation, place=place, kind=kind, start_date=start_date, end_date=end_date
    )
    record(
        actor=actor,
        action="hosting.create",
        target=hosting,
        changes={
            "organisation": [None, organisation.pk],
            "place": [None, place.pk],
            "kind": [None, kind],
            "start_date": [None, start_date],
            "end_date": [None, end_date],
        },
    )
    return hosting


@transaction.atomic
def end_hosting(*, actor: Actor, hosting: Hosting, end_date: date | None = None) -> Hosting:
    """The organisation leaves the place on `end_date` (today), its last day there."""
    check_actor(actor)
    if not can_host_organisations(actor, hosting.place):
        raise PermissionDenied
    hosting = Hosting.objects.select_for_update().get(pk=hosting.pk)
    end_date = end_date or _today()
    _check_dates(hosting.start_date, end_date)
    if hosting.end_date is not None and hosting.end_date <= end_date:
        raise Conflict(_("Cet hébergement est déjà terminé."))
    before = hosting.end_date
    hosting.end_date = end_date
    hosting.save(update_fields=["end_date", "updated_at"])
    changes = {"end_date": [before, end_date]}
    record(actor=actor, action="hosting.end", target=hosting, changes=changes)
    return hosting


@transaction.atomic
def link_person(
    *,
    actor: Actor,
    organisation: Organisation,
    role: str,
    user: User | None = None,
    name: str = "",
    start_date: date | None = None,
    end_date: date | None = None,
) -> OrganisationPerson:
    """Record a founder, employee or associate of the organisation: an account (who may be a
    member) or a name."""
    check_actor(actor)
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    errors = []
    if role not in PersonRole.values:
        errors.append(FieldError("role", _("Rôle inconnu.")))
    name = name.strip()
    if user is None and not name:
        errors.append(FieldError("name", _("Donnez le nom de la personne, ou son compte.")))
    if errors:
        raise ValidationFailed(errors)
    _check_dates(start_date, end_date)
    link = OrganisationPerson.objects.create(
        organisation=organisation,
        user=user,
        name=name,
        role=role,
        start_date=start_date,
        end_date=end_date,
    )
    record(
        actor=actor,
        action="organisation.person.link",
        target=link,
        changes={
            "organisation": [None, organisation.pk],
            "user": [None, user.pk if user else None],
            "name": [None, name],
            "role": [None, role],
            "start_date": [None, start_date],
            "end_date": [None, end_date],
        },
        personal_fields=("name",),
    )
    return link


@transaction.atomic
def declare_headcount(
    *,
    actor: Actor,
    organisation: Organisation,
    declared_on: date,
    employees: int,
    employees_local: int,
) -> HeadcountDeclaration:
    """The organisation's headcount on `declared_on`: `employees` jobs, of whom
    `employees_local` held by people living in the territory. One declaration per day; no
    date to come."""
    check_actor(actor)
    if not can_edit_organisation(actor, organisation):
        raise PermissionDenied
    errors = []
    for field, value in (("employees", employees), ("employees_local", employees_local)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(FieldError(field, _("Un nombre entier, positif ou nul.")))
    if not errors and employees_local > employees:
        errors.append(
            FieldError(
                "employees_local",
                _(
                    "Les emplois tenus par des habitant·es du territoire ne peuvent dépasser "
                    "le total."
                ),
            )
        )
    if declared_on > _today():
        message = _("On ne déclare pas l'effectif d'un jour à venir.")
        errors.append(FieldError("declared_on", message))
    if errors:
        raise ValidationFailed(errors)
    same_day = HeadcountDeclaration.objects.filter(
        organisation=organisation, declared_on=declared_on
    )
    if same_day.exists():
        raise ValidationFailed(
            [FieldError("declared_on", _("Un effectif est déjà déclaré à cette date."))]
        )
    try:
        with transaction.atomic():
            declaration = HeadcountDeclaration.objects.create(
                organisation=organisation,
                declared_on=declared_on,
                employees=employees,
                employees_local=employees_local,
                declared_by=_user(actor),
            )
    except IntegrityError:
        raise ValidationFailed(
            [FieldError("declared_on", _("Un effectif est déjà déclaré à cette date."))]
        ) from None
    record(
        actor=actor,
        action="organisation.headcount.declare",
        target=declaration,
        changes={
            "organisation": [None, organisation.pk],
            "declared_on": [None, declared_on],
            "employees": [None, employees],
            "employees_local": [None, employees_local],
        },
    )
    return declaration


@transaction.atomic
def declare_commuting(
    *,
    actor: User,
    home_commune: str,
    teleworks: bool = False,
    employer_commune: str = "",
    transport_mode: str = "",
) -> CommutingDeclaration:
    """The person's own commuting: the INSEE codes of their home commune and, when they
    telework for an employer, of the employer's commune, and their usual mode of transport.
    A new declaration replaces the previous one."""
    check_actor(actor)
    if is_system(actor) or not can_declare_commuting(actor):
        raise PermissionDenied
    communes = {
        territory.code: territory
        for territory in Territory.objects.filter(
            level=Territory.Level.COMMUNE, code__in=[home_commune, employer_commune]
        )
    }
    errors = []
    home = communes.get(home_commune.strip())
    if home is None:
        errors.append(FieldError("home_commune", _("Commune inconnue (code INSEE attendu).")))
    employer = communes.get(employer_commune.strip()) if employer_commune else None
    if teleworks and employer is None:
        errors.append(
            FieldError(
                "employer_commune", _("Indiquez la commune de votre employeur (code INSEE).")
            )
        )
    if transport_mode and transport_mode not in TransportMode.values:
        errors.append(FieldError("transport_mode", _("Mode de transport inconnu.")))
    if errors or home is None:
        raise ValidationFailed(errors)
    declaration, created = CommutingDeclaration.objects.select_for_update().get_or_create(
        user=actor,
        defaults={
            "home_commune": home,
            "teleworks": teleworks,
            "employer_commune": employer if teleworks else None,
            "transport_mode": transport_mode,
        },
    )
    before = (
        None
        if created
        else [
            declaration.home_commune_id,
            declaration.teleworks,
            declaration.employer_commune_id,
            declaration.transport_mode,
        ]
    )
    if not created:
        declaration.home_commune = home
        declaration.teleworks = teleworks
        declaration.employer_commune = employer if teleworks else None
        declaration.transport_mode = transport_mode
        declaration.save()
    # Where a person lives is personal: the values stay outside the hashed log.
    record(
        actor=actor,
        action="commuting.declare",
        target=declaration,
        changes={"declaration": [before, "personnel"]},
    )
    return declaration


def quarter_of(day: date) -> str:
    """`2026-Q4` for a day of October to December 2026."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def send_headcount_reminders(*, actor: Actor, today: date | None = None) -> int:
    """Ask the contact of every organisation hosted today to declare its headcount, once per
    quarter: a second run in the same quarter sends nothing (`HeadcountReminder` is unique
    per organisation and quarter, and its row is written in the transaction that queues the
    mail). Returns the number of reminders queued."""
    check_actor(actor)
    if not is_system(actor):
        raise PermissionDenied
    today = today or _today()
    quarter = quarter_of(today)
    hosted = (
        Organisation.objects.filter(hostings__start_date__lte=today)
        .filter(Q(hostings__end_date__isnull=True) | Q(hostings__end_date__gte=today))
        .exclude(contact_email="")
        .exclude(reminders__quarter=quarter)
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for organisation in hosted:
        places = list(
            Place.objects.filter(
                Q(hostings__end_date__isnull=True) | Q(hostings__end_date__gte=today),
                hostings__organisation=organisation,
                hostings__start_date__lte=today,
            ).distinct()
        )
        last = organisation.headcounts.order_by("-declared_on").first()
        try:
            with transaction.atomic():
                reminder = HeadcountReminder.objects.create(
                    organisation=organisation, quarter=quarter
                )
                queue_mail(
                    to=[organisation.contact_email],
                    # The contact's language when the address is a person's account.
                    recipient=account_of(organisation.contact_email),
                    template="organisations/mail/headcount_reminder",
                    context={
                        "organisation": organisation,
                        "places": places,
                        "last": last,
                        "quarter": quarter,
                    },
                )
                record(
                    actor=actor,
                    action="organisation.headcount.remind",
                    target=organisation,
                    changes={"quarter": [None, quarter], "reminder": [None, reminder.pk]},
                )
        except IntegrityError:
            continue  # another run sent this quarter's reminder in between
        sent += 1
    return sent
