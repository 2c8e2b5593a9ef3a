"""The embeddable list and map: framable by any site, unlike every other page; the list works
without JavaScript and carries the data's licence and attribution."""

import re

import pytest

from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    return [
        make_place(name="La Fabrique", kinds=["fablab"], source="réseau", source_id="1"),
        make_place(name="Le Cowork", kinds=["coworking"]),
        make_place(
            name="Atelier de Paris",
            kinds=["fablab"],
            insee_code="75056",
            latitude=48.85,
            longitude=2.35,
        ),
    ]


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return re.search(r"frame-ancestors ([^;]+)", policy).group(1).strip()


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize("path", ["/embed/lieux/", "/embed/carte/"])
def test_embed_pages_may_be_framed_by_any_site(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert frame_ancestors(response) == "*"
    # The rest of the policy is the site's: still no inline script.
    assert "script-src 'self'" in response["Content-Security-Policy"]


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize("path", ["/", "/lieux/", "/comptes/connexion/", "/api/v1/places"])
def test_the_rest_of_the_site_refuses_framing(client, path):
    response = client.get(path)
    assert response["X-Frame-Options"] == "DENY"
    assert frame_ancestors(response) == "'none'"


def test_list_filters_by_kind_and_territory_without_javascript(
    client, places, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get("/embed/lieux/", {"kind": "fablab", "territory": "departement:64"})
    html = response.content.decode()
    assert "La Fabrique" in html
    assert "Le Cowork" not in html and "Atelier de Paris" not in html
    assert "<script" not in html  # the list needs no JavaScript
    assert '<base target="_top">' in html  # links open in the embedding window
    assert 'rel="license"' in html and "Licence Ouverte 2.0" in html
    assert "réseau" in html  # the attribution names the source


def test_map_draws_the_same_places_with_maps_js(client, places):
    html = client.get("/embed/carte/", {"kind": "fablab"}).content.decode()
    assert 'src="/static/places/maps.js"' in html or "places/maps.js" in html
    assert 'data-geojson-url="/api/v1/places.geojson?compact=1&amp;kind=fablab"' in html
    assert "La Fabrique" in html and "Atelier de Paris" in html  # the list below the map


def test_invalid_filters_are_said_and_answer_400(client, places):
    response = client.get("/embed/lieux/", {"kind": "piscine"})
    assert response.status_code == 400
    assert "X-Frame-Options" not in response
    assert "piscine" in response.content.decode()


def test_embed_refuses_writes(client):
    assert client.post("/embed/lieux/").status_code == 405
