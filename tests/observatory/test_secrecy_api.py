"""Statistical secrecy on the public API: small cells, dominance, secondary suppression."""

from datetime import date

import pytest

from maillage.checkins.models import VisitorKind
from maillage.checkins.services import count_visitors
from maillage.common.actors import SYSTEM
from maillage.observatory import services
from maillage.observatory.models import AggregateValue
from maillage.stats.secrecy import derivable

from .factories import ANGLET, BAYONNE, LESCAR, PAU, place_in

pytestmark = pytest.mark.django_db

MARCH = date(2026, 3, 10)
EPCI_PAU = "200067254"


def visited(commune: str, name: str, visits: int):
    place = place_in(commune, name)
    count_visitors(actor=SYSTEM, place=place, kind=VisitorKind.VISIT, count=visits, day=MARCH)
    return place


def compute():
    services.compute_all(since=date(2026, 1, 1), today=date(2026, 6, 15))


def public(client, level: str, code: str, period: str = "2026") -> dict:
    response = client.get(f"/api/v1/observatory/{level}/{code}", {"period": period})
    assert response.status_code == 200, response.content
    return response.json()


def test_a_departement_of_two_places_is_hidden(client):
    visited(PAU, "Un", 40)
    visited(ANGLET, "Deux", 60)
    compute()
    body = public(client, "departement", "64")
    assert body["places"] == 2
    assert body["values"]["visits"] is None
    # The exact figure is stored, for those who may see it.
    stored = AggregateValue.objects.get(
        level="departement", code="64", indicator="visits", period="2026"
    )
    assert stored.value == 100
    assert stored.hidden


def test_three_places_are_published(client):
    visited(PAU, "Un", 40)
    visited(ANGLET, "Deux", 60)
    visited(BAYONNE, "Trois", 50)
    compute()
    assert public(client, "departement", "64")["values"]["visits"] == 150
    assert public(client, "departement", "64", "2026-03")["values"]["visits"] == 150


def test_one_place_making_90_percent_is_hidden(client):
    visited(PAU, "Un", 900)
    visited(ANGLET, "Deux", 50)
    visited(BAYONNE, "Trois", 50)
    compute()
    body = public(client, "departement", "64")
    assert body["places"] == 3
    assert body["values"]["visits"] is None


def test_secondary_suppression_keeps_a_small_commune_underivable(client):
    """Pau has 3 places, Lescar 1, in one EPCI of 4: Lescar is hidden, and so is enough of the
    rest that EPCI − Pau does not give it back."""
    for name, visits in (("Un", 30), ("Deux", 35), ("Trois", 40)):
        visited(PAU, name, visits)
    visited(LESCAR, "Quatre", 25)
    compute()
    body = public(client, "epci", EPCI_PAU)
    children = {child["code"]: child for child in body["children"]}
    assert children[LESCAR]["values"]["visits"] is None
    published = {}
    if body["values"]["visits"] is not None:
        published["epci"] = body["values"]["visits"]
    if children[PAU]["values"]["visits"] is not None:
        published["pau"] = children[PAU]["values"]["visits"]
    # One of the two must be hidden, or Lescar = EPCI − Pau.
    assert len(published) < 2
    hidden = {"lescar"} | ({"epci", "pau"} - set(published))
    assert not derivable(published, hidden, [("epci", ["pau", "lescar"])])


def test_the_public_sees_no_place_children(client):
    for name in ("Un", "Deux", "Trois"):
        visited(PAU, name, 30)
    compute()
    assert public(client, "commune", PAU)["children"] == []


def _csv_rows(client, level: str, code: str) -> list[list[str]]:
    import csv

    response = client.get(f"/api/v1/observatory/{level}/{code}.csv", {"period": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(content.decode("utf-8-sig").splitlines()))[1:]


def test_the_csv_hides_what_the_json_hides_and_the_staff_see_their_place(client):
    """Pau has one place: its commune's visits are hidden, an empty cell in the public CSV as
    `null` in the JSON; the place's manager reads their own place's figure in the same CSV."""
    from tests.accounts.factories import UserFactory

    manager = UserFactory()
    place = place_in(PAU, "Un", managers=[manager])
    count_visitors(actor=SYSTEM, place=place, kind=VisitorKind.VISIT, count=40, day=MARCH)
    visited(ANGLET, "Deux", 60)
    compute()
    assert public(client, "commune", PAU)["values"]["visits"] is None
    rows = _csv_rows(client, "commune", PAU)
    visits = [row for row in rows if row[4] == "visits"]
    assert [row[:2] for row in visits] == [["commune", PAU]]
    assert visits[0][6] == ""
    client.force_login(manager)
    staff = {
        (row[0], row[1]): row[6] for row in _csv_rows(client, "commune", PAU) if row[4] == "visits"
    }
    assert staff[("commune", PAU)] == ""  # a territory's figure keeps its secrecy
    assert staff[("place", place.slug)] == "40.0"
    own = {row[4]: row[6] for row in _csv_rows(client, "place", place.slug)}
    assert own["visits"] == "40.0"
