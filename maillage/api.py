"""The single NinjaAPI object, mounted at /api/v1/, with one error format for every failure.

Errors are `{"detail": "<sentence>", "errors": [{"field": …, "message": …}]}`.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from maillage.bookings.api import router as bookings_router
from maillage.checkins.api import router as checkins_router
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.schema_errors import schema_error_message
from maillage.events.api import router as events_router
from maillage.federation.api import router as federation_router
from maillage.governance.api import router as governance_router
from maillage.observatory.api import router as observatory_router
from maillage.opendata.api import router as imports_router
from maillage.places.api import router as places_router
from maillage.places.export_api import router as place_exports_router
from maillage.places.territory_api import router as territories_router
from maillage.planning.api import router as analysis_router
from maillage.sharing.api import router as sharing_router

NINJA_UNPARSABLE_BODY = "Cannot parse request body"
PARAMETER_SOURCES = {"query", "path", "header", "cookie", "body", "form", "file"}

api = NinjaAPI(
    title="Maillage API",
    version="1",
    description=(
        "API publique de Maillage : annuaire des tiers-lieux, territoires, imports, "
        "réservations, événements. "
        "Les écritures demandent un jeton : `Authorization: Bearer <jeton>`."
    ),
    urls_namespace="api",
    # Swagger UI is served from django-ninja's own static files ("ninja" in INSTALLED_APPS);
    # no validator badge, so the docs page calls no third-party server.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _error(request, status: int, detail: str, errors: list[dict] | None = None):
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationFailed)
def on_validation_failed(request, exc: ValidationFailed):
    return _error(
        request,
        422,
        _("Les données envoyées sont invalides."),
        [error.as_dict() for error in exc.errors],
    )


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        # ninja's `loc` starts with where the value was read ("query", "body", "file"…), then,
        # in a body, the name of the operation's body parameter ("payload"): the field a client
        # sent is what follows (`("file", "file")` is the upload field named "file").
        location = [str(part) for part in error.get("loc", ())]
        if location and location[0] in PARAMETER_SOURCES:
            location = location[1:]
        location = [part for part in location if part != "payload"]
        errors.append(
            {"field": ".".join(location) or "__all__", "message": schema_error_message(error)}
        )
    return _error(request, 422, _("Les données envoyées sont invalides."), errors)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    response = _error(
        request, 401, _("Authentification requise : en-tête « Authorization: Bearer <jeton> ».")
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    # A refusal may name the rule that forbids the action (e.g. the training a machine needs).
    return _error(request, 403, str(exc) or _("Vous n'avez pas le droit de faire cette action."))


@api.exception_handler(Conflict)
def on_conflict(request, exc: Conflict):
    return _error(request, 409, str(exc))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return _error(request, 404, str(exc) or _("Ressource introuvable."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    # ninja's only 400: a body that its JSON parser cannot read (its message is in English, with
    # the parser's own error appended under DEBUG).
    if exc.status_code == 400 and str(exc).startswith(NINJA_UNPARSABLE_BODY):
        return _error(request, 400, _("Le corps de la requête n'est pas un document JSON lisible."))
    return _error(request, exc.status_code, str(exc))


api.add_router("/", places_router)
api.add_router("/", place_exports_router)
api.add_router("/territories", territories_router)
api.add_router("/imports", imports_router)
api.add_router("/analysis", analysis_router)
api.add_router("/federation", federation_router)
api.add_router("/", checkins_router)
api.add_router("/", bookings_router)
api.add_router("/", governance_router)
api.add_router("/sharing", sharing_router)
api.add_router("/", events_router)
api.add_router("/observatory", observatory_router)
