"""Query parameters → PlaceFilters: the parser shared by the API and the list page."""

from datetime import UTC, datetime

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from maillage.places.filters import DEFAULT_RADIUS_KM, filters_from_params
from maillage.places.selectors import PlaceFilters

pytestmark = pytest.mark.django_db


def parse(query: str):
    filters, errors = filters_from_params(QueryDict(query))
    return filters, {error.field: error.message for error in errors}


def test_no_parameter_means_no_filter():
    assert parse("") == (PlaceFilters(), {})


def test_kinds_are_repeatable_and_comma_separated_without_duplicates():
    filters, errors = parse("kind=fablab,Coworking&kind=fablab&kind=")
    assert filters.kinds == ("fablab", "coworking")
    assert errors == {}


def test_statuses_and_services():
    filters, errors = parse("status=open&status=project&service=Impression+3D&service=Café")
    assert filters.statuses == ("open", "project")
    assert filters.services == ("Impression 3D", "Café")
    assert errors == {}


def test_unknown_codes_are_named():
    filters, errors = parse("kind=fablab,spaceport&status=sleeping")
    assert filters.kinds == ("fablab",)
    assert filters.statuses == ()
    assert set(errors) == {"kind", "status"}
    assert "spaceport" in errors["kind"]
    assert "coworking" in errors["kind"]


@pytest.mark.parametrize(
    ("ref", "level", "code"),
    [
        ("departement:64", "departement", "64"),
        ("64", "departement", "64"),
        ("75", "region", "75"),
        ("departement:75", "departement", "75"),
        ("200067254", "epci", "200067254"),
        ("64445", "commune", "64445"),
        ("commune:64445", "commune", "64445"),
    ],
)
def test_territory_reference(ref, level, code):
    filters, errors = parse(f"territory={ref}")
    assert (filters.territory.level, filters.territory.code) == (level, code)
    assert errors == {}


@pytest.mark.parametrize("ref", ["departement:99", "planet:3", "64;DROP", "x" * 40])
def test_unknown_territory_is_an_error_on_its_field(ref):
    filters, errors = parse(QueryDict.fromkeys(["territory"], ref).urlencode())
    assert filters.territory is None
    assert list(errors) == ["territory"]
    assert "departement:64" in errors["territory"]


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("true", True), ("oui", True), ("0", False), ("", False)]
)
def test_open_now(value, expected):
    assert parse(f"open_now={value}") == (PlaceFilters(open_now=expected), {})


def test_bbox():
    filters, errors = parse("bbox=-0.5,43.2,-0.2,43.4")
    assert filters.bbox == (-0.5, 43.2, -0.2, 43.4)
    assert errors == {}


@pytest.mark.parametrize(
    "value", ["1,2,3", "a,b,c,d", "-0.2,43.2,-0.5,43.4", "0,91,1,92", "nan,0,1,1", "0,0,inf,1"]
)
def test_bad_bbox(value):
    filters, errors = parse(f"bbox={value}")
    assert filters.bbox is None
    assert list(errors) == ["bbox"]
    assert "min_lon,min_lat,max_lon,max_lat" in errors["bbox"]


def test_near_point_with_default_radius():
    filters, errors = parse("near=43.2951,-0.3708")
    assert (filters.near, filters.radius_km) == ((43.2951, -0.3708), DEFAULT_RADIUS_KM)
    assert errors == {}


def test_near_a_commune_by_insee_code():
    filters, errors = parse("near=64445&radius_km=30")
    assert (filters.near, filters.radius_km) == ((43.2951, -0.3708), 30.0)
    assert errors == {}


def test_radius_without_near_is_ignored():
    assert parse("radius_km=30") == (PlaceFilters(), {})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("near=43.3", "near"),
        ("near=99999", "near"),
        ("near=95,0", "near"),
        ("near=43.3,-0.37&radius_km=0", "radius_km"),
        ("near=43.3,-0.37&radius_km=5000", "radius_km"),
        ("near=43.3,-0.37&radius_km=far", "radius_km"),
    ],
)
def test_bad_near_or_radius(query, field):
    assert list(parse(query)[1]) == [field]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-01-31", datetime(2025, 1, 30, 23, 0, tzinfo=UTC)),
        ("2025-07-01T10:00:00Z", datetime(2025, 7, 1, 10, 0, tzinfo=UTC)),
        ("2025-07-01T10:00:00%2B02:00", datetime(2025, 7, 1, 8, 0, tzinfo=UTC)),
        # An unencoded "+" arrives as a space.
        ("2025-07-01T10:00:00+02:00", datetime(2025, 7, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_updated_since(value, expected):
    filters, errors = parse(f"updated_since={value}")
    assert filters.updated_since == expected
    assert errors == {}


@pytest.mark.parametrize("value", ["yesterday", "2025-13-01", "2025-02-30T10:00"])
def test_bad_updated_since(value):
    assert list(parse(f"updated_since={value}")[1]) == ["updated_since"]


def test_every_bad_parameter_is_reported_at_once():
    _, errors = parse("kind=x&bbox=1&near=2&open_now=maybe&updated_since=no&territory=zz")
    assert set(errors) == {"kind", "bbox", "near", "open_now", "updated_since", "territory"}


def test_plain_mapping_with_lists_or_strings():
    filters, errors = filters_from_params({"kind": ["fablab"], "q": " pau ", "open_now": "1"})
    assert filters == PlaceFilters(q="pau", kinds=("fablab",), open_now=True)
    assert errors == []


FIELDS = ("bbox", "near", "radius_km", "territory", "updated_since", "open_now", "kind")


@given(params=st.dictionaries(st.sampled_from(FIELDS), st.text(max_size=40)))
def test_any_input_gives_filters_or_field_errors(params):
    filters, errors = filters_from_params(params)
    assert isinstance(filters, PlaceFilters)
    assert {error.field for error in errors} <= set(params)
