"""The events part of the JSON API, as issue 9's contract fixes it:

- `GET /events` (filters `place`, `territory`, `from`, `to`, `category`, `has_seats=1`; items
  with `id`, `place_id`, `title`, `start`, `end`, `capacity`, `seats_left`), without a token
  for the public events, with one for the members-only events the caller may see;
- `POST /events` (staff of the place) → 201 with the event; `GET/PATCH/DELETE /events/{id}`;
- `POST /events/{id}/registrations`: an empty body registers the caller; staff register
  someone else with `{"name", "email"}` (confirmed at once) → 201 `{"id", "status",
  "position"}`; `GET /events/{id}/registrations` (staff);
- `GET /registrations` (the caller's own and those of the events they run) and
  `DELETE /registrations/{id}`, which cancels and promotes the first person waiting.

Errors are the API's one format (maillage.api): 403 a right the caller lacks, 404 what they
may not see, 409 a full or closed event or a second registration, 422 a field.
"""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import AuthenticationError

from maillage.accounts.auth import token_auth
from maillage.accounts.services import authenticate_token
from maillage.bookings.models import Resource
from maillage.common.errors import FieldError, PermissionDenied, ValidationFailed
from maillage.common.schemas import PageQuery, error_responses, page
from maillage.places.models import Network, Place
from maillage.territories.selectors import UnknownTerritory, resolve_territory

from . import selectors, services
from .calendar import event_url
from .models import Event, Registration, RegistrationStatus
from .rules import can_manage_event, can_see_event, registrations_where
from .schemas import (
    EventCancelQuery,
    EventIn,
    EventListQuery,
    EventOut,
    EventPageOut,
    EventPatchIn,
    RegistrationIn,
    RegistrationOut,
    RegistrationPageOut,
)

router = Router(tags=["events"])

READ_ERRORS = error_responses(401, 422)
ONE_ERRORS = error_responses(401, 404, 422)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


def _optional_user(request: HttpRequest):
    """The token's user, None without a token; a bad token is refused (401), not ignored."""
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _sep, token = header.partition(" ")
    user = authenticate_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise AuthenticationError
    return user


def event_out(event: Event) -> dict:
    zone = event.timezone
    return {
        "id": event.pk,
        "place_id": event.place_id,
        "network_id": event.network_id,
        "title": event.title,
        "description": event.description,
        "category": event.category,
        "start": event.start.astimezone(zone),
        "end": event.end.astimezone(zone),
        "timezone": zone.key,
        "capacity": event.capacity,
        "seats_left": event.seats_left,
        "location_kind": event.location_kind,
        "room_id": event.room_id,
        "address": event.address,
        "visibility": event.visibility,
        "price_cents": event.price_cents,
        "accessibility": event.accessibility,
        "audience": event.audience,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at,
        "status": event.status,
        "url": event_url(event),
    }


def _registration_out(registration: Registration, position: int | None = None) -> dict:
    return {
        "id": registration.pk,
        "status": registration.status,
        "position": position if position is not None else services.waiting_position(registration),
    }


def _registration_detail(registration: Registration, positions: dict[int, int]) -> dict:
    return {
        **_registration_out(registration, positions.get(registration.pk, 0) or None),
        "event_id": registration.event_id,
        "user_id": registration.user_id,
        "name": registration.display_name,
        "email": registration.address,
        "attendance": registration.attendance,
        "created_at": registration.created_at,
    }


EVENT_RELATIONS = ("place", "network", "room")


def _event(user, event_id: int, related: tuple[str, ...] = EVENT_RELATIONS) -> Event:
    """The event as `events_where(user)` would give it, in one plain query for a public event:
    `can_see_event` is the same policy as that scoper, asked of one row (tested). `related`:
    the relations read with it (none: `select_related()` alone would follow every one). `get`,
    not `first`, which would sort by the model's ordering."""
    events = Event.objects.select_related(*related) if related else Event.objects.all()
    try:
        event = events.get(pk=event_id)
    except Event.DoesNotExist:
        raise Http404(_("Événement introuvable.")) from None
    if not can_see_event(user, event):
        raise Http404(_("Événement introuvable."))
    return event


def _aware(**moments) -> None:
    errors = [
        FieldError(name, _("Donnez le fuseau horaire (ex. +01:00 ou Z)."))
        for name, value in moments.items()
        if value is not None and value.utcoffset() is None
    ]
    if errors:
        raise ValidationFailed(errors)


@router.get(
    "events",
    response={200: EventPageOut, **READ_ERRORS},
    operation_id="list_events",
    summary="L'agenda",
    description=(
        "Les événements publics (avec un jeton : aussi ceux réservés aux membres que "
        "l'appelant·e peut voir), par début, une page à la fois (`count`, `items`). Filtres : "
        "`place` (id), `territory` (`departement:64`…), `from`, `to` (ISO 8601 avec fuseau), "
        "`category`, `has_seats=1`. Heures dans le fuseau du lieu."
    ),
)
def list_events(request: HttpRequest, params: Query[EventListQuery]):
    user = _optional_user(request)
    _aware(**{"from": params.from_, "to": params.to})
    territory = None
    if params.territory:
        try:
            territory = resolve_territory(params.territory)
        except UnknownTerritory as exc:
            raise ValidationFailed([FieldError("territory", str(exc))]) from None
    place = None
    if params.place is not None:
        place = Place.objects.filter(pk=params.place).first()
        if place is None:
            return {"count": 0, "items": []}
    filters = selectors.EventFilters(
        place=place,
        territory=territory,
        start=params.from_,
        end=params.to,
        categories=(params.category,) if params.category else (),
        has_seats=params.has_seats,
    )
    events = selectors.filter_events(user, filters)
    return page(events, params, lambda events: [event_out(e) for e in events])


@router.get(
    "events/{event_id}",
    response={200: EventOut, **ONE_ERRORS},
    operation_id="get_event",
    summary="Un événement",
)
def get_event(request: HttpRequest, event_id: int):
    return event_out(_event(_optional_user(request), event_id))


def _service_data(payload, place: Place | None) -> dict:
    data = payload.dict(exclude_unset=True)
    for name in ("place_id", "network_id", "weeks"):
        data.pop(name, None)
    if "room_id" in data:
        room_id = data.pop("room_id")
        room = None
        if room_id is not None:
            room = Resource.objects.filter(pk=room_id, place=place).first()
            if room is None:
                raise ValidationFailed([FieldError("room_id", _("Salle introuvable."))])
        data["room"] = room
    return data


@router.post(
    "events",
    auth=token_auth,
    response={201: EventOut, **WRITE_ERRORS},
    operation_id="create_event",
    summary="Créer un événement",
    description=(
        "L'équipe d'un lieu crée ses événements (`place_id`), les coordinations d'un réseau "
        "ceux du réseau (`network_id`, avec une adresse). Au moins `title`, `start`, `end`, "
        "`capacity`. Avec `location_kind` `room` et `room_id`, la salle est réservée : 409 "
        "quand elle est prise. `weeks` > 1 crée une séance par semaine ; la première est rendue."
    ),
)
def create_event(request: HttpRequest, payload: EventIn):
    place = network = None
    if (payload.place_id is None) == (payload.network_id is None):
        raise ValidationFailed(
            [FieldError("place_id", _("Donnez `place_id` ou `network_id`, l'un des deux."))]
        )
    if payload.place_id is not None:
        place = Place.objects.filter(pk=payload.place_id).first()
        if place is None:
            raise ValidationFailed([FieldError("place_id", _("Lieu introuvable."))])
    else:
        network = Network.objects.filter(pk=payload.network_id).first()
        if network is None:
            raise ValidationFailed([FieldError("network_id", _("Réseau introuvable."))])
    data = _service_data(payload, place)
    if network is not None and "location_kind" not in data:
        data["location_kind"] = "address"
    if payload.weeks > 1:
        events = services.create_weekly_events(
            actor=request.auth, place=place, network=network, data=data, weeks=payload.weeks
        )
        event = events[0]
    else:
        event = services.create_event(actor=request.auth, place=place, network=network, data=data)
    return Status(201, event_out(event))


@router.patch(
    "events/{event_id}",
    auth=token_auth,
    response={200: EventOut, **WRITE_ERRORS},
    operation_id="change_event",
    summary="Modifier un événement",
    description=(
        "Les champs donnés changent ; les inscrit·es sont prévenu·es d'un changement de titre, "
        "d'heure ou de lieu. Plus de places : les personnes en attente sont confirmées dans "
        "l'ordre ; moins que les places prises : 409."
    ),
)
def change_event(request: HttpRequest, event_id: int, payload: EventPatchIn):
    event = _event(request.auth, event_id)
    data = {k: v for k, v in _service_data(payload, event.place).items() if v is not None}
    services.update_event(actor=request.auth, event=event, data=data)
    return event_out(event)


@router.delete(
    "events/{event_id}",
    auth=token_auth,
    response={200: EventOut, **WRITE_ERRORS},
    operation_id="cancel_event",
    summary="Annuler un événement",
    description=(
        "L'événement reste, annulé (`status` `cancelled`) ; sa salle est libérée et chaque "
        "inscrit·e est prévenu·e (motif : `reason`). 409 s'il l'est déjà."
    ),
)
def cancel_event(request: HttpRequest, event_id: int, params: Query[EventCancelQuery]):
    event = _event(request.auth, event_id)
    services.cancel_event(actor=request.auth, event=event, reason=params.reason)
    return event_out(event)


@router.post(
    "events/{event_id}/registrations",
    auth=token_auth,
    response={201: RegistrationOut, **WRITE_ERRORS},
    operation_id="create_registration",
    summary="S'inscrire (ou inscrire quelqu'un)",
    description=(
        "Corps vide : l'appelant·e s'inscrit. L'équipe inscrit une autre personne avec "
        '`{"name": …, "email": …}`, confirmée sans lien. 201 `{"id", "status": "confirmed" | '
        '"waiting", "position"}` (rang dans la liste d\'attente, sinon null) ; 409 déjà '
        "inscrit·e, événement annulé ou inscriptions closes ; 403 réservé aux membres."
    ),
)
def create_registration(request: HttpRequest, event_id: int, payload: RegistrationIn | None = None):
    # None of the event's relations: registering oneself reads only the event's own row (the
    # staff's checks, when asked, fetch the place or the network).
    event = _event(request.auth, event_id, related=())
    name = (payload.name or "") if payload else ""
    email = (payload.email or "") if payload else ""
    registration = services.register(actor=request.auth, event=event, name=name, email=email)
    return Status(201, _registration_out(registration))


@router.get(
    "events/{event_id}/registrations",
    auth=token_auth,
    response={200: RegistrationPageOut, **error_responses(401, 403, 404, 422)},
    operation_id="list_event_registrations",
    summary="Les inscrit·es d'un événement (équipe)",
    description="Dans l'ordre d'arrivée, qui est aussi celui de la liste d'attente.",
)
def list_event_registrations(request: HttpRequest, event_id: int, params: Query[PageQuery]):
    event = _event(request.auth, event_id)
    if not can_manage_event(request.auth, event):
        raise PermissionDenied(_("Seule l'équipe voit les inscrit·es."))
    registrations = selectors.registrations_for(event)
    positions = selectors.waiting_positions(event)
    return page(
        registrations, params, lambda rows: [_registration_detail(r, positions) for r in rows]
    )


@router.get(
    "registrations",
    auth=token_auth,
    response={200: RegistrationPageOut, **READ_ERRORS},
    operation_id="list_registrations",
    summary="Mes inscriptions",
    description="Les inscriptions de l'appelant·e et, pour une équipe, celles de ses événements.",
)
def list_registrations(request: HttpRequest, params: Query[PageQuery]):
    registrations = (
        registrations_where(request.auth).select_related("user").order_by("event_id", "pk")
    )
    return page(registrations, params, _registrations_with_positions)


def _registrations_with_positions(registrations: list[Registration]) -> list[dict]:
    """The page's registrations, each with its place in its event's waiting list (one query)."""
    waiting = Registration.objects.filter(
        event_id__in={r.event_id for r in registrations}, status=RegistrationStatus.WAITING
    ).order_by("waiting_since", "pk")
    positions: dict[int, int] = {}
    counts: dict[int, int] = {}
    for pk, event_id in waiting.values_list("pk", "event_id"):
        counts[event_id] = counts.get(event_id, 0) + 1
        positions[pk] = counts[event_id]
    return [_registration_detail(r, positions) for r in registrations]


@router.delete(
    "registrations/{registration_id}",
    auth=token_auth,
    response={200: RegistrationOut, **WRITE_ERRORS},
    operation_id="cancel_registration",
    summary="Annuler une inscription",
    description=(
        "La personne inscrite, ou l'équipe de l'événement. Une place libérée va aussitôt à la "
        "première personne en attente, prévenue par email. 409 si elle est déjà annulée."
    ),
)
def cancel_registration(request: HttpRequest, registration_id: int):
    registration = (
        registrations_where(request.auth)
        .select_related("event__place", "event__network")
        .filter(pk=registration_id)
        .first()
    )
    if registration is None:
        raise Http404(_("Inscription introuvable."))
    services.cancel_registration(actor=request.auth, registration=registration)
    return _registration_out(registration)
