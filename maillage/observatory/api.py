"""The observatory API: the indicator catalogue, and the figures of a territory, a network or
a place for a period, as JSON or CSV.

Reads take an optional token (`Authorization: Bearer`); without one (or without the right),
the answer is exactly what the public sees: territory and network aggregates with statistical
secrecy applied (`null` where a value is hidden), never a single place's figure.
"""

from collections.abc import Iterator
from typing import Literal

from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthenticationError

from maillage.accounts.services import authenticate_token
from maillage.common.errors import FieldError, ValidationFailed
from maillage.common.schemas import error_responses
from maillage.common.tabular import iter_csv, with_byte_order_mark

from . import catalogue, selectors
from .periods import BadPeriod, Period, parse_period

router = Router(tags=["observatory"])

READ_ERRORS = error_responses(401, 404, 422)
LevelName = Literal["france", "region", "departement", "epci", "commune", "place", "network"]


class IndicatorOut(Schema):
    code: str
    label: str
    definition: str
    unit: str
    unit_label: str
    formula: str
    reads: str
    kind: str = Field(description="`computed`, `declared` ou `distribution`.")
    aggregation: str = Field(description="`sum`, `mean`, `weighted_mean` ou `median`.")
    ratio: bool
    over_time: str = Field(description="`additive`, `distinct` ou `stock`.")
    secrecy: str = Field(
        description="Règles appliquées : `places` (3 lieux au moins), `dominance` (aucun lieu "
        "au-delà de 85 %), `people` (11 personnes au moins), `secondary` (secret secondaire) ; "
        "`staff-only` : jamais publié."
    )


class ChildOut(Schema):
    level: str
    code: str
    places: int
    values: dict[str, float | None]


class AreaOut(Schema):
    places: int
    values: dict[str, float | None]
    children: list[ChildOut]


class AreaQuery(Schema):
    period: str | None = Field(
        None,
        max_length=7,
        description="`YYYY`, `YYYY-MM` ou `YYYY-Qn` ; l'année en cours par défaut.",
    )
    format: Literal["json", "csv"] = Field("json", description="`csv` : le même contenu en CSV.")


def _user(request: HttpRequest):
    """The token's user when one is sent (a bad token is refused), else the session's."""
    header = request.headers.get("Authorization", "")
    if not header:
        return getattr(request, "user", None)
    scheme, _sep, token = header.partition(" ")
    user = authenticate_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        raise AuthenticationError
    return user


def period_or_error(key: str | None) -> Period:
    """The period asked for; the current year by default; a 422 naming the form otherwise."""
    if not key:
        return parse_period(str(timezone.localdate().year))
    try:
        return parse_period(key)
    except BadPeriod:
        raise ValidationFailed(
            [
                FieldError(
                    "period",
                    _(
                        "« %(value)s » n'est pas une période : écrivez une année (2026), un mois "
                        "(2026-03) ou un trimestre (2026-Q1)."
                    )
                    % {"value": key},
                )
            ]
        ) from None


def indicator_out(indicator: catalogue.Indicator) -> dict:
    return {
        "code": indicator.code,
        "label": str(indicator.label),
        "definition": str(indicator.definition),
        "unit": indicator.unit,
        "unit_label": str(indicator.unit_label),
        "formula": indicator.formula,
        "reads": indicator.reads,
        "kind": indicator.kind,
        "aggregation": indicator.aggregation,
        "ratio": indicator.ratio,
        "over_time": indicator.over_time,
        "secrecy": indicator.secrecy,
    }


@router.get(
    "indicators",
    response={200: list[IndicatorOut]},
    operation_id="observatory_indicators",
    summary="Catalogue des indicateurs de l'observatoire",
    description="Chaque indicateur : définition, unité, formule, agrégation, secret statistique.",
)
def indicators(request: HttpRequest):
    return [indicator_out(indicator) for indicator in catalogue.INDICATORS]


def csv_rows(figures: selectors.Figures, period: Period) -> Iterator[list]:
    for area in (figures, *figures.children):
        for code in selectors.codes():
            yield [
                area.level,
                area.code,
                area.name,
                period.key,
                code,
                area.places,
                area.values.get(code),
            ]


CSV_HEADER = ("niveau", "code", "nom", "periode", "indicateur", "lieux", "valeur")


def figures_csv(figures: selectors.Figures, period: Period) -> StreamingHttpResponse:
    """The figures as CSV for a spreadsheet: UTF-8 with a byte-order mark, cells neutralised
    against formula injection (`common.tabular`), an empty cell where a value is hidden."""
    response = StreamingHttpResponse(
        with_byte_order_mark(iter_csv(CSV_HEADER, csv_rows(figures, period), rows_per_chunk=200)),
        content_type="text/csv; charset=utf-8",
    )
    name = f"observatoire-{figures.level}-{figures.code}-{period.key}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get(
    "{level}/{code}",
    response={200: AreaOut, **READ_ERRORS},
    operation_id="observatory_area",
    summary="Chiffres d'un territoire, d'un réseau ou d'un lieu",
    description=(
        "`level` : `france` (code `FR`), `region`, `departement`, `epci`, `commune` (codes "
        "INSEE ou SIREN), `network` (identifiant du réseau), `place` (id ou identifiant d'URL, "
        "avec les droits sur le lieu). `values` : un nombre par indicateur, `null` quand le "
        "secret statistique le masque (ou sans donnée) ; `children` : les territoires du niveau "
        "inférieur (les lieux, pour qui a les droits). Sans droits, exactement ce que voit le "
        "public. `?format=csv` ou un code suivi de `.csv` : le même contenu en CSV (UTF-8 avec "
        "BOM)."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "Les chiffres (JSON), ou en CSV avec `format=csv`.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def area(request: HttpRequest, level: LevelName, code: str, params: Query[AreaQuery]):
    user = _user(request)
    as_csv = params.format == "csv"
    if code.endswith(".csv"):
        code, as_csv = code[: -len(".csv")], True
    period = period_or_error(params.period)
    found = selectors.resolve_area(level, code, user=user)
    figures = selectors.area_figures(found, period, user=user)
    if as_csv:
        return figures_csv(figures, period)
    return figures.as_dict()
