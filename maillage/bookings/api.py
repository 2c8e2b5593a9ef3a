"""The bookings part of the JSON API: resources, their availability, bookings (one, or a
recurring series), my qualifications.

Every operation needs a bearer token: availability and bookings are the caller's. Reads come
from `selectors` and `rules` scopers, writes from `services`; refusals are raised and turned
into the one error format by `maillage.api` (403 a rule naming itself, 409 a taken slot naming
the range taken, 422 a time or field the rules refuse). What the caller may not see answers
404, never 403.
"""

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from maillage.accounts.auth import token_auth
from maillage.accounts.models import User
from maillage.common.errors import FieldError, ValidationFailed
from maillage.common.schemas import ErrorOut, error_responses, page
from maillage.places.rules import can_run_place, places_where

from . import selectors, services
from .hours import hours_of
from .models import Booking, BookingSeries, BookingStatus, Resource
from .rules import bookings_where
from .schemas import (
    MAX_AVAILABILITY_DAYS,
    AvailabilityOut,
    AvailabilityQuery,
    BookingCancelQuery,
    BookingIn,
    BookingListQuery,
    BookingOut,
    BookingPageOut,
    BookingPatchIn,
    MyQualificationsOut,
    ResourceListQuery,
    ResourceOut,
    ResourcePageOut,
    SeriesCancelOut,
    SeriesCancelQuery,
    SeriesIn,
    SeriesOut,
    SeriesRefusedOut,
)

router = Router(tags=["bookings"])

READ_ERRORS = error_responses(401, 422)
ONE_ERRORS = error_responses(401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _visible_resources(user) -> QuerySet[Resource]:
    """Active resources, and the inactive ones of the places the caller runs."""
    return Resource.objects.filter(
        Q(is_active=True) | Q(place__in=places_where(user, can="run"))
    ).select_related("place", "required_qualification")


def _resource(user, resource_id: int) -> Resource:
    """One resource as `_visible_resources` would give it, in one plain query when active (by
    `get`: `first` would order by the model's ordering, a sort on the place's name)."""
    try:
        resource = Resource.objects.select_related("place", "required_qualification").get(
            pk=resource_id
        )
    except Resource.DoesNotExist:
        raise Http404(_("Ressource introuvable.")) from None
    if not (resource.is_active or can_run_place(user, resource.place)):
        raise Http404(_("Ressource introuvable."))
    return resource


def _booking(user, booking_id: int) -> Booking:
    try:
        return (
            bookings_where(user)
            .select_related("resource__place", "resource__required_qualification")
            .get(pk=booking_id)
        )
    except Booking.DoesNotExist:
        raise Http404(_("Réservation introuvable.")) from None


def _resource_out(resource: Resource) -> dict:
    qualification = resource.required_qualification
    return {
        "id": resource.pk,
        "uuid": resource.uuid,
        "place_id": resource.place_id,
        "name": resource.name,
        "kind": resource.kind,
        "description": resource.description,
        "capacity": resource.capacity,
        "opening_hours": resource.opening_hours,
        "bookable_hours": hours_of(resource),
        "timezone": resource.place.timezone.key,
        "min_duration_minutes": resource.min_duration_minutes,
        "max_duration_minutes": resource.max_duration_minutes,
        "slot_step_minutes": resource.slot_step_minutes,
        "max_advance_days": resource.max_advance_days,
        "cancellation_deadline_hours": resource.cancellation_deadline_hours,
        "bookable_by": resource.bookable_by,
        "member_price_cents_per_hour": resource.member_price_cents_per_hour,
        "public_price_cents_per_hour": resource.public_price_cents_per_hour,
        "requires_qualification": qualification is not None,
        "required_qualification": (
            {"id": qualification.pk, "name": qualification.name, "training": qualification.training}
            if qualification
            else None
        ),
        "is_active": resource.is_active,
    }


def _booking_out(booking: Booking) -> dict:
    zone = booking.resource.place.timezone
    return {
        "id": booking.pk,
        "resource_id": booking.resource_id,
        "place_id": booking.resource.place_id,
        "user_id": booking.user_id,
        "start": booking.start.astimezone(zone),
        "end": booking.end.astimezone(zone),
        "seats": booking.seats,
        "status": booking.status,
        "series_id": booking.series_id,
        "override_reason": booking.override_reason,
        "note": booking.note,
        "created_at": booking.created_at,
        "cancelled_at": booking.cancelled_at,
    }


@router.get(
    "resources",
    auth=token_auth,
    response={200: ResourcePageOut, **READ_ERRORS},
    operation_id="list_resources",
    summary="Chercher des ressources réservables",
    description=(
        "Les ressources actives (et, pour l'équipe d'un lieu, ses ressources fermées), par lieu "
        "et nom, une page à la fois : `count` est le total, `items` en donne au plus `limit` à "
        "partir de `offset`. Filtres : `place` (id), `kind`, `bookable_by_me=1`."
    ),
)
def list_resources(request: HttpRequest, params: Query[ResourceListQuery]):
    resources = _visible_resources(request.auth)
    if params.place is not None:
        resources = resources.filter(place_id=params.place)
    if params.kind is not None:
        resources = resources.filter(kind=params.kind)
    if params.bookable_by_me:
        resources = resources.filter(
            pk__in=selectors.resources_bookable_by(request.auth).values("pk")
        )
    resources = resources.order_by("place__name", "name", "pk")
    return page(resources, params, lambda rows: [_resource_out(r) for r in rows])


@router.get(
    "resources/{resource_id}",
    auth=token_auth,
    response={200: ResourceOut, **ONE_ERRORS},
    operation_id="get_resource",
    summary="Une ressource",
)
def get_resource(request: HttpRequest, resource_id: int):
    return _resource_out(_resource(request.auth, resource_id))


@router.get(
    "resources/{resource_id}/availability",
    auth=token_auth,
    response={200: AvailabilityOut, **ONE_ERRORS},
    operation_id="get_resource_availability",
    summary="Créneaux libres d'une ressource",
    description=(
        "Les intervalles libres que l'appelant·e peut réserver entre `from` et `to` (ISO 8601 "
        f"avec fuseau, {MAX_AVAILABILITY_DAYS} jours au plus) : dans les horaires réservables, "
        "à partir de maintenant et jusqu'à la limite d'anticipation, alignés sur le pas des "
        "créneaux, avec les places libres (`seats`). Vide quand la personne ne peut pas "
        "réserver la ressource (adhésion, formule, habilitation). Heures dans le fuseau du lieu."
    ),
)
def get_resource_availability(
    request: HttpRequest, resource_id: int, params: Query[AvailabilityQuery]
):
    resource = _resource(request.auth, resource_id)
    start, end = params.from_, params.to
    errors = []
    for name, value in (("from", start), ("to", end)):
        if value.utcoffset() is None:
            errors.append(FieldError(name, _("Donnez le fuseau horaire (ex. +01:00 ou Z).")))
    if not errors and end <= start:
        errors.append(FieldError("to", _("`to` doit suivre `from`.")))
    if not errors and end - start > timedelta(days=MAX_AVAILABILITY_DAYS):
        errors.append(
            FieldError("to", _("%(days)s jours au plus.") % {"days": MAX_AVAILABILITY_DAYS})
        )
    if errors:
        raise ValidationFailed(errors)
    free = selectors.availability(resource, start, end, for_user=request.auth)
    return {"free": [{"start": f.start, "end": f.end, "seats": f.seats} for f in free]}


def _aware(payload_times: dict) -> None:
    errors = [
        FieldError(name, _("Donnez le fuseau horaire (ex. +01:00 ou Z)."))
        for name, value in payload_times.items()
        if value is not None and value.utcoffset() is None
    ]
    if errors:
        raise ValidationFailed(errors)


@router.post(
    "bookings",
    auth=token_auth,
    response={201: BookingOut, **WRITE_ERRORS},
    operation_id="create_booking",
    summary="Réserver",
    description=(
        "Réserve `resource_id` de `start` à `end` (ISO 8601 avec fuseau) pour l'appelant·e. "
        "L'équipe du lieu peut réserver pour une autre personne (`user_id`) et déroger aux "
        "règles en donnant un motif (`override_reason`), jamais à la capacité. Répond 201 ; "
        "409 quand le créneau est pris (le message dit quelle plage) ; 403 quand une règle "
        "l'interdit (adhésion, formule, habilitation : le message nomme la formation, délai) ; "
        "422 pour un horaire refusé (durée, pas, anticipation, horaires réservables)."
    ),
)
def create_booking(request: HttpRequest, payload: BookingIn):
    _aware({"start": payload.start, "end": payload.end})
    resource = _resource(request.auth, payload.resource_id)
    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id, is_active=True).first()
        if user is None:
            raise ValidationFailed([FieldError("user_id", _("Personne introuvable."))])
    booking = services.book(
        actor=request.auth,
        resource=resource,
        start=payload.start,
        end=payload.end,
        user=user,
        seats=payload.seats,
        override_reason=payload.override_reason,
        note=payload.note,
    )
    return Status(201, _booking_out(booking))


@router.post(
    "bookings/series",
    auth=token_auth,
    # 409: the conflicts listed (SeriesRefusedOut is the error format plus `conflicts`).
    response={
        201: SeriesOut,
        409: SeriesRefusedOut | ErrorOut,
        **error_responses(400, 401, 403, 404, 422),
    },
    operation_id="create_booking_series",
    summary="Réserver une série (réservation récurrente)",
    description=(
        "Réserve `resource_id` aux mêmes heures (du lieu) que la première séance `start`–`end`, "
        "toutes les `interval_weeks` semaines jusqu'au jour `until` inclus, ou `count` fois. "
        "`mode` `all_or_nothing` (défaut) : si une séance n'est pas libre ou pas permise, rien "
        "n'est réservé et la réponse est 409 avec `conflicts`, chaque séance refusée et "
        "pourquoi ; `free_only` : les séances libres sont réservées (201, `conflicts` liste "
        "les autres), 409 si aucune ne l'est. 403 quand la personne ne peut pas réserver cette "
        "ressource (adhésion, formule, habilitation : le message nomme la formation). Un seul "
        "e-mail liste les séances réservées, avec un `.ics` qui les contient toutes."
    ),
)
def create_booking_series(request: HttpRequest, payload: SeriesIn):
    _aware({"start": payload.start, "end": payload.end})
    resource = _resource(request.auth, payload.resource_id)
    user = None
    if payload.user_id is not None:
        user = User.objects.filter(pk=payload.user_id, is_active=True).first()
        if user is None:
            raise ValidationFailed([FieldError("user_id", _("Personne introuvable."))])
    result = services.book_series(
        actor=request.auth,
        resource=resource,
        start=payload.start,
        end=payload.end,
        interval_weeks=payload.interval_weeks,
        until=payload.until,
        count=payload.count,
        mode=payload.mode,
        user=user,
        override_reason=payload.override_reason,
    )
    zone = resource.place.timezone
    conflicts = [
        {"start": c.start.astimezone(zone), "end": c.end.astimezone(zone), "reason": c.reason}
        for c in result.conflicts
    ]
    series = result.series
    if series is None:
        return Status(
            409,
            {
                "detail": _(
                    "%(count)s séance(s) de la série ne sont pas libres : rien n'est réservé."
                )
                % {"count": len(conflicts)},
                "errors": [],
                "conflicts": conflicts,
            },
        )
    return Status(
        201,
        {
            "id": series.pk,
            "resource_id": series.resource_id,
            "user_id": series.user_id,
            "interval_weeks": series.interval_weeks,
            "until": series.until,
            "bookings": [_booking_out(b) for b in result.booked],
            "conflicts": conflicts,
        },
    )


@router.delete(
    "bookings/series/{series_id}",
    auth=token_auth,
    response={200: SeriesCancelOut, **WRITE_ERRORS},
    operation_id="cancel_booking_series",
    summary="Annuler une série, ou une séance et les suivantes",
    description=(
        "Annule les séances à venir de la série (avec `from_booking_id` : cette séance et les "
        "suivantes ; une seule séance s'annule par `DELETE /bookings/{id}`) et répond 200 avec "
        "elles. Jusqu'au délai d'annulation de la première annulée ; l'équipe du lieu à tout "
        "moment avec `override_reason`. 409 s'il n'en reste aucune à venir. Un seul e-mail."
    ),
)
def cancel_booking_series(request: HttpRequest, series_id: int, params: Query[SeriesCancelQuery]):
    visible = bookings_where(request.auth).filter(series_id=series_id)
    series = BookingSeries.objects.select_related("resource__place").filter(pk=series_id).first()
    if series is None or not visible.exists():
        raise Http404(_("Série introuvable."))
    from_booking = None
    if params.from_booking_id is not None:
        from_booking = visible.filter(pk=params.from_booking_id).first()
        if from_booking is None:
            raise Http404(_("Réservation introuvable."))
    cancelled = services.cancel_series(
        actor=request.auth,
        series=series,
        from_booking=from_booking,
        override_reason=params.override_reason,
    )
    return {"cancelled": [_booking_out(b) for b in cancelled]}


@router.get(
    "bookings",
    auth=token_auth,
    response={200: BookingPageOut, **READ_ERRORS},
    operation_id="list_bookings",
    summary="Mes réservations",
    description=(
        "Les réservations de l'appelant·e et, pour l'équipe d'un lieu, celles du lieu, par "
        "début. Filtres : `resource_id`, `from` (qui finissent après), `to` (qui commencent "
        "avant), `status`."
    ),
)
def list_bookings(request: HttpRequest, params: Query[BookingListQuery]):
    _aware({"from": params.from_, "to": params.to})
    if params.status is not None and params.status not in BookingStatus.values:
        raise ValidationFailed([FieldError("status", _("`confirmed` ou `cancelled`."))])
    bookings = bookings_where(request.auth).select_related("resource__place")
    if params.resource_id is not None:
        bookings = bookings.filter(resource_id=params.resource_id)
    if params.from_ is not None:
        bookings = bookings.filter(end__gt=params.from_)
    if params.to is not None:
        bookings = bookings.filter(start__lt=params.to)
    if params.status is not None:
        bookings = bookings.filter(status=params.status)
    bookings = bookings.order_by("start", "pk")
    return page(bookings, params, lambda rows: [_booking_out(b) for b in rows])


@router.get(
    "bookings/{booking_id}",
    auth=token_auth,
    response={200: BookingOut, **ONE_ERRORS},
    operation_id="get_booking",
    summary="Une réservation",
)
def get_booking(request: HttpRequest, booking_id: int):
    return _booking_out(_booking(request.auth, booking_id))


@router.patch(
    "bookings/{booking_id}",
    auth=token_auth,
    response={200: BookingOut, **WRITE_ERRORS},
    operation_id="change_booking",
    summary="Déplacer une réservation",
    description=(
        "Nouveaux `start` et `end`, sous les mêmes règles qu'une réservation, jusqu'au délai "
        "d'annulation (l'équipe du lieu : à tout moment, avec `override_reason`). 409 quand le "
        "nouveau créneau est pris : la réservation reste où elle était."
    ),
)
def change_booking(request: HttpRequest, booking_id: int, payload: BookingPatchIn):
    _aware({"start": payload.start, "end": payload.end})
    booking = _booking(request.auth, booking_id)
    services.change_booking(
        actor=request.auth,
        booking=booking,
        start=payload.start,
        end=payload.end,
        override_reason=payload.override_reason,
    )
    return _booking_out(booking)


@router.delete(
    "bookings/{booking_id}",
    auth=token_auth,
    response={200: BookingOut, **WRITE_ERRORS},
    operation_id="cancel_booking",
    summary="Annuler une réservation",
    description=(
        "Annule la réservation et répond 200 avec elle (`status` `cancelled`) : elle reste dans "
        "l'historique. Jusqu'au délai d'annulation ; l'équipe du lieu à tout moment avec "
        "`override_reason` (paramètre de requête). 409 si elle est déjà annulée."
    ),
)
def cancel_booking(request: HttpRequest, booking_id: int, params: Query[BookingCancelQuery]):
    booking = _booking(request.auth, booking_id)
    services.cancel_booking(
        actor=request.auth, booking=booking, override_reason=params.override_reason
    )
    return _booking_out(booking)


@router.get(
    "me/qualifications",
    auth=token_auth,
    response={200: MyQualificationsOut, **error_responses(401)},
    operation_id="list_my_qualifications",
    summary="Mes habilitations",
    description=(
        "Les habilitations valides aujourd'hui de l'appelant·e, avec les ressources que chacune "
        "ouvre (`resource_ids`) et leur dernier jour de validité (`expires_at`, null : sans fin)."
    ),
)
def list_my_qualifications(request: HttpRequest):
    return {
        "items": [
            {
                "id": grant.pk,
                "qualification_id": grant.qualification_id,
                "name": grant.qualification.name,
                "training": grant.qualification.training,
                "place_id": grant.qualification.place_id,
                "granted_on": grant.granted_on,
                "expires_at": grant.expires_on,
                "resource_ids": [r.pk for r in grant.qualification.resources.all()],
            }
            for grant in selectors.valid_qualifications(request.auth)
        ]
    }
