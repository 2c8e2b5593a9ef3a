"""The check-ins API: a person checks in at a place and out, with their token."""

from datetime import datetime

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from maillage.accounts.auth import token_auth
from maillage.common.schemas import error_responses
from maillage.places.models import Place

from . import selectors, services
from .models import CheckIn, CheckInSource

router = Router(tags=["checkins"])


class CheckInIn(Schema):
    place_id: int


class CheckInOut(Schema):
    id: int
    place_id: int
    checked_in_at: datetime
    checked_out_at: datetime | None
    # True when the person was already checked in at this place (nothing changed).
    already_here: bool = False
    # The id of the check-in closed at another place by this one, if any.
    closed_checkin_id: int | None = None


def _out(checkin: CheckIn, **extra) -> dict:
    return {
        "id": checkin.pk,
        "place_id": checkin.place_id,
        "checked_in_at": checkin.checked_in_at,
        "checked_out_at": checkin.checked_out_at,
        **extra,
    }


@router.post(
    "checkins",
    auth=token_auth,
    response={200: CheckInOut, 201: CheckInOut, **error_responses(400, 401, 403, 404, 409, 422)},
    operation_id="create_checkin",
    summary="Enregistrer sa présence dans un lieu",
    description=(
        "La personne du jeton arrive au lieu `place_id`, dont elle est membre active (ou de "
        "l'équipe ; 403 sinon). Une présence ouverte dans un autre lieu est close à cette "
        "arrivée (`closed_checkin_id`) ; déjà présente ici, rien ne change (200, "
        "`already_here`). 201 avec la présence."
    ),
)
def create_checkin(request: HttpRequest, payload: CheckInIn):
    place = Place.objects.filter(pk=payload.place_id).first()
    if place is None:
        raise Http404(_("Lieu introuvable."))
    result = services.check_in(actor=request.auth, place=place, source=CheckInSource.API)
    body = _out(
        result.checkin,
        already_here=result.already_here,
        closed_checkin_id=result.closed_elsewhere.pk if result.closed_elsewhere else None,
    )
    return Status(200 if result.already_here else 201, body)


@router.post(
    "checkins/current/checkout",
    auth=token_auth,
    response={200: CheckInOut, **error_responses(401, 403, 404, 409)},
    operation_id="checkout_current",
    summary="Signaler son départ",
    description="Clôt la présence ouverte de la personne du jeton ; 404 si elle n'en a pas.",
)
def checkout_current(request: HttpRequest):
    current = selectors.open_checkin_of(request.auth)
    if current is None:
        raise Http404(_("Vous n'êtes enregistré·e dans aucun lieu."))
    return _out(services.check_out(actor=request.auth, checkin=current))
