"""The exports of places in the national schemas, their licence and their omissions (API).

`GET /api/v1/places.{format}` for `mednum` (CSV of the national schema « Lieux de médiation
numérique »), `data-inclusion-structures` and `data-inclusion-services` (JSON lists), with the
filters of `GET /api/v1/places`. Every answer carries the licence of the instance's data
(`Link: <…>; rel="license"`) and a link to `GET /api/v1/licence` (the licence, the
attribution and the sources of the same filters); the places a national schema cannot take are
counted in `X-Omitted-Places` and listed by `GET /api/v1/exports/omitted`.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field as SchemaField
from ninja import Query, Router, Schema

from maillage.common.schemas import error_responses

from . import selectors
from .api import _filters, _json
from .formats import datainclusion, licensing, mednum
from .formats.mednum import Omission
from .schemas import PlaceFilterQuery

router = Router()
READ_ERRORS = error_responses(422)
OMITTED_HEADER = "X-Omitted-Places"


class LicenceOut(Schema):
    code: str
    title: str
    url: str


class LicenceDocumentOut(Schema):
    licence: LicenceOut
    publisher: str = SchemaField(description="Qui publie ces données (`OPEN_DATA_ATTRIBUTION`).")
    sources: list[str] = SchemaField(description="Les sources des lieux exportés.")
    attribution: str = SchemaField(description="La mention à reproduire avec les données.")


class OmissionOut(Schema):
    uuid: str
    name: str
    slug: str
    reasons: list[str]


class OmissionsOut(Schema):
    format: str
    count: int
    items: list[OmissionOut]


class OmittedQuery(PlaceFilterQuery):
    format: str = SchemaField(
        "mednum",
        description="`mednum` ou `data-inclusion-structures`.",
        pattern="^(mednum|data-inclusion-structures)$",
    )


def _rows(filters: selectors.PlaceFilters) -> list[dict]:
    return selectors.search_places(filters, fields=mednum.ROW_FIELDS).items


def _sources(filters: selectors.PlaceFilters) -> list[str]:
    return list(selectors.filter_places(filters).values_list("source", flat=True).distinct())


def _with_omissions(
    response: HttpResponse, request: HttpRequest, omitted: list[Omission], file_format: str
) -> HttpResponse:
    response[OMITTED_HEADER] = str(len(omitted))
    licensing.licensed(response, request)
    query = request.GET.copy()
    query["format"] = file_format
    report = request.build_absolute_uri(f"/api/v1/exports/omitted?{query.urlencode()}")
    response["Link"] += f', <{report}>; rel="related"; title="omitted"'
    return response


@dataclass(frozen=True)
class ExportFormat:
    """One national format of `GET /api/v1/places.{format}`: its records and how it is served."""

    name: str
    summary: str
    description: str
    content_type: str  # of the answer; the OpenAPI content is that type without parameters
    content_description: str
    # (rows, the site's base URL, on_omitted) → the records of the places it can take.
    records: Callable[[Iterable[dict], str, Callable[[Omission], None]], Iterable[Any]]
    render: Callable[[list[Any]], str | bytes]
    filename: str = ""  # served as an attachment of that name when set
    omissions: bool = True  # counted in `X-Omitted-Places` (and listed by exports/omitted)

    def openapi_extra(self) -> dict:
        media_type = self.content_type.split(";", 1)[0]
        schema = {"type": "string"} if media_type == "text/csv" else {"type": "array", "items": {}}
        return {
            "responses": {
                200: {
                    "description": self.content_description,
                    "content": {media_type: {"schema": schema}},
                }
            }
        }


LICENCE_NOTE = (
    ' La réponse porte la licence des données (`Link: <…>; rel="license"`) et un lien vers '
    "`GET /api/v1/licence` (licence, attribution et sources des mêmes filtres)."
)
FORMATS: tuple[ExportFormat, ...] = (
    ExportFormat(
        name="mednum",
        summary="Lieux au schéma national des lieux de médiation numérique",
        description=(
            "Les lieux qui passent les filtres de `GET /api/v1/places`, en CSV au schéma "
            "national « Lieux de médiation numérique » (version épinglée v1.0.0). Un lieu que le "
            "schéma ne peut pas prendre (aucun service de sa liste, pas d'adresse…) est omis : "
            "leur nombre est dans l'en-tête `X-Omitted-Places`, leur liste et la raison dans "
            "`GET /api/v1/exports/omitted?format=mednum`." + LICENCE_NOTE
        ),
        content_type="text/csv; charset=utf-8",
        content_description="CSV du schéma national, UTF-8.",
        records=lambda rows, base_url, on_omitted: mednum.mednum_records(rows, on_omitted),
        render=lambda records: "".join(mednum.iter_mednum_csv(records)),
        filename="lieux-de-mediation-numerique.csv",
    ),
    ExportFormat(
        name=datainclusion.STRUCTURE_FORMAT,
        summary="Lieux en structures data·inclusion",
        description=(
            "Les lieux qui passent les filtres de `GET /api/v1/places`, en liste JSON de "
            "structures au schéma de data·inclusion (v1). Les lieux omis (nom de moins de trois "
            "caractères) sont comptés dans `X-Omitted-Places`." + LICENCE_NOTE
        ),
        content_type="application/json",
        content_description="Liste de structures data·inclusion.",
        records=datainclusion.structure_records,
        render=_json,
    ),
    ExportFormat(
        name=datainclusion.SERVICE_FORMAT,
        summary="Services des lieux au schéma data·inclusion",
        description=(
            "Chaque service des lieux qui passent les filtres, en liste JSON de services au "
            "schéma de data·inclusion (v1), rattachés à leur structure (`structure_id`) ; les "
            "thématiques numériques viennent de la table des services du schéma national."
            + LICENCE_NOTE
        ),
        content_type="application/json",
        content_description="Liste de services data·inclusion.",
        records=lambda rows, base_url, on_omitted: datainclusion.service_records(rows, base_url),
        render=_json,
        omissions=False,
    ),
)
BY_NAME = {export.name: export for export in FORMATS}
PATH_PREFIX = "places."


def places_export(request: HttpRequest, params: Query[PlaceFilterQuery]):
    """The matching places in the national format the path names (`places.{format}`), with
    the licence, and the count of the places it omits (see `ExportFormat`)."""
    export = BY_NAME[request.path.rsplit("/" + PATH_PREFIX, 1)[-1]]
    omitted: list[Omission] = []
    records = list(
        export.records(_rows(_filters(request)), request.build_absolute_uri("/"), omitted.append)
    )
    response = HttpResponse(export.render(records), content_type=export.content_type)
    if export.filename:
        response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    if not export.omissions:
        return licensing.licensed(response, request)
    return _with_omissions(response, request, omitted, export.name)


for _export in FORMATS:
    router.add_api_operation(
        PATH_PREFIX + _export.name,
        ["GET"],
        places_export,
        response=READ_ERRORS,
        operation_id="places_" + _export.name.replace("-", "_"),
        tags=["places"],
        summary=_export.summary,
        description=_export.description,
        openapi_extra=_export.openapi_extra(),
    )


@router.get(
    "licence",
    response={200: LicenceDocumentOut, **READ_ERRORS},
    operation_id="open_data_licence",
    tags=["places"],
    summary="Licence et attribution des exports",
    description=(
        "La licence des données de cette instance (Licence Ouverte 2.0 ou ODbL, réglage "
        "`OPEN_DATA_LICENCE`), qui les publie, et les sources des lieux qui passent les filtres "
        "de `GET /api/v1/places` : la mention d'attribution à reproduire avec un export."
    ),
)
def open_data_licence(request: HttpRequest, params: Query[PlaceFilterQuery]):
    return licensing.licence_document(_sources(_filters(request)))


@router.get(
    "exports/omitted",
    response={200: OmissionsOut, **READ_ERRORS},
    operation_id="export_omissions",
    tags=["places"],
    summary="Lieux omis d'un export",
    description=(
        "Les lieux qui passent les filtres mais qu'un schéma national ne peut pas prendre, "
        "avec les raisons (dans la langue de la requête) : `format=mednum` (par défaut) ou "
        "`data-inclusion-structures`. Le nombre est celui de l'en-tête `X-Omitted-Places` de "
        "l'export."
    ),
)
def export_omissions(request: HttpRequest, params: Query[OmittedQuery]):
    filters = _filters(request)
    omitted: list[Omission] = []
    for _record in BY_NAME[params.format].records(
        _rows(filters), request.build_absolute_uri("/"), omitted.append
    ):
        pass
    return {
        "format": params.format,
        "count": len(omitted),
        "items": [omission.as_dict() for omission in omitted],
    }
