"""The exports of places in the national schemas, their licence and their omissions (API).

`GET /api/v1/places.{format}` for `mednum` (CSV of the national schema « Lieux de médiation
numérique »), `data-inclusion-structures` and `data-inclusion-services` (JSON lists), with the
filters of `GET /api/v1/places`. Every answer carries the licence of the instance's data
(`Link: <…>; rel="license"`) and a link to `GET /api/v1/licence` (the licence, the
attribution and the sources of the same filters); the places a national schema cannot take are
counted in `X-Omitted-Places` and listed by `GET /api/v1/exports/omitted`.
"""

from collections.abc import Callable, Iterable
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


def _csv_doc(description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    }


def _json_doc(description: str) -> dict:
    return {
        "responses": {
            200: {
                "description": description,
                "content": {"application/json": {"schema": {"type": "array", "items": {}}}},
            }
        }
    }


LICENCE_NOTE = (
    ' La réponse porte la licence des données (`Link: <…>; rel="license"`) et un lien vers '
    "`GET /api/v1/licence` (licence, attribution et sources des mêmes filtres)."
)


@router.get(
    "places.mednum",
    response=READ_ERRORS,
    operation_id="places_mednum",
    tags=["places"],
    summary="Lieux au schéma national des lieux de médiation numérique",
    description=(
        "Les lieux qui passent les filtres de `GET /api/v1/places`, en CSV au schéma national "
        "« Lieux de médiation numérique » (version épinglée v1.0.0). Un lieu que le schéma ne "
        "peut pas prendre (aucun service de sa liste, pas d'adresse…) est omis : leur nombre "
        "est dans l'en-tête `X-Omitted-Places`, leur liste et la raison dans "
        "`GET /api/v1/exports/omitted?format=mednum`." + LICENCE_NOTE
    ),
    openapi_extra=_csv_doc("CSV du schéma national, UTF-8."),
)
def places_mednum(request: HttpRequest, params: Query[PlaceFilterQuery]):
    """The matching places as CSV in the national schema; omitted places are counted."""
    filters = _filters(request)
    omitted: list[Omission] = []
    records = list(mednum.mednum_records(_rows(filters), on_omitted=omitted.append))
    response = HttpResponse(
        "".join(mednum.iter_mednum_csv(records)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="lieux-de-mediation-numerique.csv"'
    return _with_omissions(response, request, omitted, "mednum")


@router.get(
    "places.data-inclusion-structures",
    response=READ_ERRORS,
    operation_id="places_data_inclusion_structures",
    tags=["places"],
    summary="Lieux en structures data·inclusion",
    description=(
        "Les lieux qui passent les filtres de `GET /api/v1/places`, en liste JSON de "
        "structures au schéma de data·inclusion (v1). Les lieux omis (nom de moins de trois "
        "caractères) sont comptés dans `X-Omitted-Places`." + LICENCE_NOTE
    ),
    openapi_extra=_json_doc("Liste de structures data·inclusion."),
)
def places_data_inclusion_structures(request: HttpRequest, params: Query[PlaceFilterQuery]):
    filters = _filters(request)
    omitted: list[Omission] = []
    base_url = request.build_absolute_uri("/")
    records = list(
        datainclusion.structure_records(_rows(filters), base_url, on_omitted=omitted.append)
    )
    response = HttpResponse(_json(records), content_type="application/json")
    return _with_omissions(response, request, omitted, datainclusion.STRUCTURE_FORMAT)


@router.get(
    "places.data-inclusion-services",
    response=READ_ERRORS,
    operation_id="places_data_inclusion_services",
    tags=["places"],
    summary="Services des lieux au schéma data·inclusion",
    description=(
        "Chaque service des lieux qui passent les filtres, en liste JSON de services au schéma "
        "de data·inclusion (v1), rattachés à leur structure (`structure_id`) ; les thématiques "
        "numériques viennent de la table des services du schéma national." + LICENCE_NOTE
    ),
    openapi_extra=_json_doc("Liste de services data·inclusion."),
)
def places_data_inclusion_services(request: HttpRequest, params: Query[PlaceFilterQuery]):
    filters = _filters(request)
    base_url = request.build_absolute_uri("/")
    records = list(datainclusion.service_records(_rows(filters), base_url))
    return licensing.licensed(
        HttpResponse(_json(records), content_type="application/json"), request
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


_RECORDS: dict[str, Callable[[Iterable[dict], str, Callable[[Omission], None]], Any]] = {
    "mednum": lambda rows, base_url, on_omitted: mednum.mednum_records(rows, on_omitted),
    datainclusion.STRUCTURE_FORMAT: datainclusion.structure_records,
}


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
    for _record in _RECORDS[params.format](
        _rows(filters), request.build_absolute_uri("/"), omitted.append
    ):
        pass
    return {
        "format": params.format,
        "count": len(omitted),
        "items": [omission.as_dict() for omission in omitted],
    }
