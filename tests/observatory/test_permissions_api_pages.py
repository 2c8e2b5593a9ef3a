"""Who sees what (the permission matrix), the API contract, the pages, their query counts."""

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser

from maillage.checkins.models import VisitorKind
from maillage.checkins.services import count_visitors
from maillage.common.actors import SYSTEM
from maillage.observatory import rules, services
from maillage.organisations.services import declare_commuting
from maillage.places.services import save_network
from tests.accounts.factories import AdminFactory, UserFactory
from tests.members.factories import make_membership

from .factories import ANGLET, PAU, place_in

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "member", "staff_a", "staff_b", "coordinator", "admin")
YEAR = date.today().year


@pytest.fixture
def world():
    people = {role: UserFactory() for role in ROLES if role not in ("anonymous", "admin")}
    people["admin"] = AdminFactory()
    people["anonymous"] = AnonymousUser()
    place_a = place_in(PAU, "Lieu A", staff=[people["staff_a"]])
    place_b = place_in(PAU, "Lieu B", staff=[people["staff_b"]])
    make_membership(place_a, people["member"])
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "=Réseau béarnais",
            "slug": "bearn",
            "places": [place_a, place_b],
            "coordinators": [people["coordinator"]],
        },
    )
    for place, count in ((place_a, 40), (place_b, 60)):
        count_visitors(
            actor=SYSTEM, place=place, kind=VisitorKind.VISIT, count=count, day=date(YEAR, 1, 5)
        )
    declare_commuting(actor=people["member"], home_commune=ANGLET)
    services.compute_all(since=date(YEAR, 1, 1))
    return {"people": people, "a": place_a, "b": place_b, "network": network}


def _client(client, world, role):
    user = world["people"][role]
    if role != "anonymous":
        client.force_login(user)
    return client


def matrix(*allowed):
    return [(role, role in allowed) for role in ROLES]


@pytest.mark.parametrize(("role", "allowed"), matrix("staff_a", "coordinator", "admin"))
def test_place_page(client, world, role, allowed):
    response = _client(client, world, role).get(f"/observatoire/lieux/{world['a'].slug}/")
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert response.context["figures"].values["visits"] == 40


@pytest.mark.parametrize(("role", "allowed"), matrix("staff_a", "coordinator", "admin"))
def test_place_api(client, world, role, allowed):
    response = _client(client, world, role).get(
        f"/api/v1/observatory/place/{world['a'].slug}", {"period": str(YEAR)}
    )
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert response.json()["values"]["visits"] == 40
    else:
        assert response.json()["detail"]


@pytest.mark.parametrize(("role", "allowed"), matrix("admin"))
def test_territory_api_undisguised_for_admins_only(client, world, role, allowed):
    """Two places in Pau: hidden from everyone but instance administrators."""
    body = (
        _client(client, world, role)
        .get(f"/api/v1/observatory/commune/{PAU}", {"period": str(YEAR)})
        .json()
    )
    assert body["values"]["visits"] == (100 if allowed else None)


@pytest.mark.parametrize(("role", "allowed"), matrix("admin"))
def test_territory_page(client, world, role, allowed):
    response = _client(client, world, role).get(f"/observatoire/commune/{PAU}/")
    assert response.status_code == 200
    assert response.context["figures"].values["visits"] == (100 if allowed else None)


@pytest.mark.parametrize(("role", "allowed"), matrix("coordinator", "admin"))
def test_network_api(client, world, role, allowed):
    body = (
        _client(client, world, role)
        .get("/api/v1/observatory/network/bearn", {"period": str(YEAR)})
        .json()
    )
    assert body["values"]["visits"] == (100 if allowed else None)
    # The places of the network, for those who may see them.
    codes = {child["code"] for child in body["children"]}
    if role in ("coordinator", "admin"):
        assert codes == {world["a"].slug, world["b"].slug}
    elif role == "staff_a":
        assert codes == {world["a"].slug}
    else:
        assert codes <= {world["b"].slug}


@pytest.mark.parametrize(("role", "allowed"), matrix("staff_a", "admin"))
def test_home_communes_for_the_people_who_run_the_place(world, role, allowed):
    assert rules.can_see_home_communes(world["people"][role], world["a"]) == allowed


def test_home_communes_on_the_place_page(client, world):
    client.force_login(world["people"]["staff_a"])
    page = client.get(f"/observatoire/lieux/{world['a'].slug}/").content.decode()
    assert "Anglet" in page


# --- API contract ---------------------------------------------------------------------------


def test_indicator_catalogue_shape(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        items = client.get("/api/v1/observatory/indicators").json()
    codes = {item["code"] for item in items}
    assert {"visits", "occupancy_rate_desk", "survival_5y", "home_communes"} <= codes
    for item in items:
        assert {"code", "label", "unit", "aggregation", "secrecy", "definition", "formula"} <= set(
            item
        )
        assert item["aggregation"] in {"sum", "mean", "weighted_mean", "median"}


@pytest.mark.parametrize("level,code", [("france", "FR"), ("region", "75"), ("departement", "64")])
def test_area_shape_and_query_count(client, world, level, code, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/observatory/{level}/{code}", {"period": f"{YEAR}-Q1"})
    body = response.json()
    assert set(body) == {"places", "values", "children"}
    assert body["places"] == 2
    assert set(body["values"]) >= {"visits", "desk_days", "occupancy_rate"}
    for child in body["children"]:
        assert set(child) == {"level", "code", "places", "values"}


def test_children_of_france_are_regions(client, world):
    body = client.get("/api/v1/observatory/france/FR", {"period": str(YEAR)}).json()
    assert [(c["level"], c["code"]) for c in body["children"]] == [("region", "75")]


@pytest.mark.parametrize("period", ["2026-13", "26", "2026-Q5", "2026-1", "demain"])
def test_a_bad_period_is_a_422_saying_the_form(client, period):
    response = client.get("/api/v1/observatory/france/FR", {"period": period})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "period"
    assert "2026-Q1" in error["message"]


@pytest.mark.parametrize("path", ["departement/99", "region/00", "france/XX", "network/aucun"])
def test_an_unknown_area_is_a_404(client, path):
    response = client.get(f"/api/v1/observatory/{path}")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_an_unknown_level_is_a_422(client):
    assert client.get("/api/v1/observatory/canton/12").status_code == 422


@pytest.mark.parametrize("suffix", ["?format=csv&period={year}", ".csv?period={year}"])
def test_csv_has_a_bom_and_neutralised_cells(client, world, suffix):
    client.force_login(world["people"]["coordinator"])
    response = client.get("/api/v1/observatory/network/bearn" + suffix.format(year=YEAR))
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())
    text = content.decode("utf-8-sig")
    assert text.splitlines()[0] == "niveau,code,nom,periode,indicateur,lieux,valeur"
    assert "'=Réseau béarnais" in text
    assert f"network,bearn,'=Réseau béarnais,{YEAR},visits,2,100.0" in text


# --- Pages ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/observatoire/",
        "/observatoire/region/75/",
        "/observatoire/departement/64/",
        "/observatoire/epci/200067254/",
        f"/observatoire/commune/{PAU}/",
        "/observatoire/reseaux/bearn/",
        "/observatoire/indicateurs/",
    ],
)
def test_public_pages(client, world, path, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page or "indicateurs" in path


def test_catalogue_page_states_the_method_and_rules(client):
    page = client.get("/observatoire/indicateurs/").content.decode()
    assert "85 %" in page and "11" in page
    assert "occupancy_rate_desk" in page


def test_place_page_query_count(client, world, django_assert_max_num_queries):
    client.force_login(world["people"]["admin"])
    with django_assert_max_num_queries(20):
        response = client.get(f"/observatoire/lieux/{world['a'].slug}/")
    assert response.status_code == 200
    assert "<svg" in response.content.decode()


def test_unknown_pages_are_404(client):
    assert client.get("/observatoire/departement/99/").status_code == 404
    assert client.get("/observatoire/canton/1/").status_code == 404
    assert client.get("/observatoire/?periode=demain").status_code == 404


def test_the_staff_dashboard_links_to_the_place_figures(client, world):
    client.force_login(world["people"]["staff_a"])
    page = client.get(f"/lieux/{world['a'].slug}/tableau-de-bord/").content.decode()
    assert f"/observatoire/lieux/{world['a'].slug}/" in page


def test_the_territory_page_links_to_its_observatory_page(client, world):
    page = client.get(f"/territoires/commune/{PAU}/").content.decode()
    assert f"/observatoire/commune/{PAU}/" in page


@pytest.mark.parametrize("code", ["64\x00", "x" * 300, "%00"])
@pytest.mark.parametrize("level", ["departement", "network", "place", "commune"])
def test_hostile_codes_are_404_not_500(client, level, code):
    assert client.get(f"/api/v1/observatory/{level}/{code}").status_code == 404
    if level in ("departement", "commune"):
        assert client.get(f"/observatoire/{level}/{code}/").status_code == 404
