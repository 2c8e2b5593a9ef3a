"""The observatory pages' map: the children territories' table carries what the choropleth
script draws (outline URLs, raw values, and « secret » told apart from « no data »), the
proportional symbols stay the drawing without JavaScript, and the query counts stay."""

import re
from datetime import date

import pytest

from maillage.checkins.models import VisitorKind
from maillage.checkins.services import count_visitors
from maillage.common.actors import SYSTEM
from maillage.observatory import services
from maillage.observatory.selectors import Figures
from maillage.observatory.templatetags.observatory_tags import map_state, raw_value
from tests.accounts.factories import AdminFactory
from tests.territories.factories import set_outline, square

from .factories import ANGLET, BAYONNE, LESCAR, PAU, place_in

pytestmark = pytest.mark.django_db

EPCI_PAU = "200067254"
MARCH = date(2026, 3, 10)


@pytest.fixture
def epci():
    """The EPCI of Pau: Pau with three places (published), Lescar with one (hidden)."""
    for name, visits in (("Un", 30), ("Deux", 35), ("Trois", 40)):
        count_visitors(
            actor=SYSTEM, place=place_in(PAU, name), kind=VisitorKind.VISIT, count=visits, day=MARCH
        )
    count_visitors(
        actor=SYSTEM, place=place_in(LESCAR, "Quatre"), kind=VisitorKind.VISIT, count=25, day=MARCH
    )
    place_in(ANGLET, "Cinq")
    place_in(BAYONNE, "Six")
    set_outline("commune", PAU, square(43.2951, -0.3708))
    services.compute_all(since=date(2026, 1, 1), today=date(2026, 6, 15))


def _row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-level="[a-z]+" data-code="{code}"[^>]*>.*?</tr>', page, re.S)
    assert match, code
    return match.group(0)


def _cell(row: str, indicator: str) -> str:
    match = re.search(rf'<td class="num" data-indicator="{indicator}"[^>]*>', row)
    assert match, indicator
    return match.group(0)


def test_the_table_tells_secret_from_no_data(client, epci, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        page = client.get(f"/observatoire/epci/{EPCI_PAU}/?periode=2026").content.decode()
    assert 'class="map js-choropleth"' in page
    assert 'data-table-id="children-table"' in page and 'id="children-table"' in page
    assert "observatory/choropleth.js" in page
    # The communes' outlines in one request, the EPCI's.
    assert f'data-communes-url="/api/v1/territories/epci/{EPCI_PAU}/communes/outlines"' in page
    pau, lescar = _row(page, PAU), _row(page, LESCAR)
    assert f'data-outline-url="/api/v1/territories/commune/{PAU}/outline"' in pau
    assert "data-outline-url" not in lescar  # no outline loaded for it
    # Lescar is a single place; Pau would give it back by subtraction (secondary secrecy).
    assert 'data-state="secret" data-value=""' in _cell(lescar, "visits")
    assert 'data-state="secret" data-value=""' in _cell(pau, "visits")
    assert "(secret statistique)" in _row(page, LESCAR)
    assert 'data-state="none" data-value=""' in _cell(pau, "loans")
    # Without JavaScript the proportional symbols and the table stay.
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page


def test_an_administrator_sees_no_secret(client, epci):
    client.force_login(AdminFactory())
    page = client.get(f"/observatoire/epci/{EPCI_PAU}/?periode=2026").content.decode()
    assert 'data-state="value" data-value="25.0"' in _cell(_row(page, LESCAR), "visits")
    assert 'data-state="value" data-value="105.0"' in _cell(_row(page, PAU), "visits")
    assert "(secret statistique)" not in page


def test_a_departement_fetches_each_child_outline_from_its_row(client, epci):
    page = client.get("/observatoire/departement/64/?periode=2026").content.decode()
    assert "data-communes-url" not in page
    assert f'<tr data-level="epci" data-code="{EPCI_PAU}"' in page


def test_the_map_state_filter():
    figures = Figures("commune", PAU, "Pau", 2, {"visits": None, "loans": None, "events": 3.0})
    figures.hidden = frozenset({"visits"})
    assert map_state(figures, "visits") == "secret"
    assert map_state(figures, "loans") == "none"
    assert map_state(figures, "events") == "value"
    assert raw_value(None) == "" and raw_value(3) == "3.0"


def test_the_api_keeps_its_contract(client, epci):
    body = client.get(f"/api/v1/observatory/epci/{EPCI_PAU}", {"period": "2026"}).json()
    assert set(body) == {"places", "values", "children"}
    assert all(set(child) == {"level", "code", "places", "values"} for child in body["children"])
