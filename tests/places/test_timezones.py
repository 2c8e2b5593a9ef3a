"""Overseas places: their hours are read on their own clock, French public holidays included."""

from datetime import UTC, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from maillage.common.text import fold
from maillage.places.hours import is_open_at, next_change, week_schedule
from maillage.places.selectors import PlaceFilters, search_places
from maillage.territories.models import Territory
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

REUNION = ZoneInfo("Indian/Reunion")
WEEKDAYS = "Mo-Fr 09:00-18:00; PH off"
# Tuesday 1 December 2026: Réunion is UTC+4, Paris UTC+1.
OPEN_IN_REUNION_ONLY = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)  # 09:30 Réunion, 06:30 Paris
OPEN_IN_PARIS_ONLY = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # 19:00 Réunion, 16:00 Paris
CHRISTMAS_MORNING = datetime(2026, 12, 25, 7, 0, tzinfo=UTC)  # Friday 11:00 in Réunion


@pytest.fixture
def saint_denis():
    for level, code, name, dep, region in (
        ("region", "04", "La Réunion", "", ""),
        ("departement", "974", "La Réunion", "", "04"),
        ("commune", "97411", "Saint-Denis", "974", "04"),
    ):
        Territory.objects.create(
            level=level,
            code=code,
            name=name,
            search_name=fold(name),
            population=150000,
            latitude=-20.8823,
            longitude=55.4504,
            location_precision="geonames",
            departement_code=dep,
            region_code=region,
            postal_codes="97400" if level == "commune" else "",
        )


@pytest.fixture
def reunion_place(saint_denis):
    return make_place(
        name="Case numérique",
        kinds=["coworking"],
        insee_code="97411",
        latitude=-20.8823,
        longitude=55.4504,
        opening_hours=WEEKDAYS,
    )


@pytest.fixture
def pau_place():
    return make_place(name="La Fabrique", opening_hours=WEEKDAYS)


def test_a_place_in_la_reunion_has_reunion_time(reunion_place, pau_place):
    assert reunion_place.departement_code == "974"
    assert reunion_place.timezone == REUNION
    assert pau_place.timezone == ZoneInfo("Europe/Paris")


def test_hours_are_evaluated_in_the_given_zone():
    assert is_open_at(WEEKDAYS, OPEN_IN_REUNION_ONLY, zone=REUNION) is True
    assert is_open_at(WEEKDAYS, OPEN_IN_REUNION_ONLY) is False
    assert is_open_at(WEEKDAYS, OPEN_IN_PARIS_ONLY, zone=REUNION) is False
    assert is_open_at(WEEKDAYS, OPEN_IN_PARIS_ONLY) is True
    closing = next_change(WEEKDAYS, OPEN_IN_REUNION_ONLY, zone=REUNION)
    assert closing == datetime(2026, 12, 1, 18, tzinfo=REUNION)


def test_french_public_holidays_apply_overseas():
    assert is_open_at(WEEKDAYS, CHRISTMAS_MORNING, zone=REUNION) is False
    assert is_open_at("Mo-Fr 09:00-18:00", CHRISTMAS_MORNING, zone=REUNION) is True


def test_the_week_of_hours_is_on_the_local_clock():
    days = week_schedule(WEEKDAYS, datetime(2026, 12, 21).date(), zone=REUNION)
    assert [day.intervals for day in days[:5]] == [
        [("09:00", "18:00")],
        [("09:00", "18:00")],
        [("09:00", "18:00")],
        [("09:00", "18:00")],
        [],  # Christmas
    ]


def test_open_now_evaluates_each_place_in_its_own_zone(reunion_place, pau_place):
    def open_names(moment):
        page = search_places(PlaceFilters(open_now=True, moment=moment))
        return [item["name"] for item in page.items]

    assert open_names(OPEN_IN_REUNION_ONLY) == ["Case numérique"]
    assert open_names(OPEN_IN_PARIS_ONLY) == ["La Fabrique"]
    assert open_names(CHRISTMAS_MORNING) == []


def test_the_api_says_open_now_on_the_place_clock(client, reunion_place):
    with mock.patch("django.utils.timezone.now", return_value=OPEN_IN_REUNION_ONLY):
        opened = client.get(f"/api/v1/places/{reunion_place.pk}").json()
    with mock.patch("django.utils.timezone.now", return_value=OPEN_IN_PARIS_ONLY):
        closed = client.get(f"/api/v1/places/{reunion_place.pk}").json()
    assert (opened["is_open_now"], closed["is_open_now"]) == (True, False)


def test_the_place_page_shows_local_times(client, reunion_place):
    with mock.patch("django.utils.timezone.now", return_value=OPEN_IN_REUNION_ONLY):
        page = parse(client.get(f"/lieux/{reunion_place.slug}/"))
    state = page.select_one("#etat-ouverture")
    assert "is-open" in state["class"]
    assert "ferme à 18:00" in state.get_text(" ", strip=True)
    assert "Indian/Reunion" in page.select_one("section[aria-labelledby=hours-title]").get_text()


def test_the_list_page_marks_open_places_on_their_clock(client, reunion_place, pau_place):
    with mock.patch("django.utils.timezone.now", return_value=OPEN_IN_REUNION_ONLY):
        page = parse(client.get("/lieux/"))
    badges = {
        item.select_one("h3 a").get_text(strip=True): item.select_one(".badge-open") is not None
        for item in page.select("ul.result-list li.card")
    }
    assert badges == {"Case numérique": True, "La Fabrique": False}
