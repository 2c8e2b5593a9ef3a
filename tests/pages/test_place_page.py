"""The place page: every field, the week's hours and open/closed now, JSON-LD, edit link."""

import json
from datetime import datetime
from unittest import mock

import pytest

from maillage.places.hours import PARIS
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

MONDAY_10AM = datetime(2025, 6, 2, 10, 0, tzinfo=PARIS)
SATURDAY_10AM = datetime(2025, 6, 7, 10, 0, tzinfo=PARIS)
BASTILLE_DAY_10AM = datetime(2025, 7, 14, 10, 0, tzinfo=PARIS)  # a Monday, public holiday


def detail(client, place, moment=MONDAY_10AM):
    with mock.patch("django.utils.timezone.now", return_value=moment):
        return parse(client.get(f"/lieux/{place.slug}/"))


def facts(page) -> dict[str, str]:
    return {
        dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(" ", strip=True)
        for dt in page.select("dl.facts dt")
    }


def test_place_page_shows_every_field(client, place_a):
    page = detail(client, place_a)
    assert page.h1.get_text() == "La Fabrique"
    assert [tag.get_text() for tag in page.select("ul.tags a.tag")] == [
        "Fablab",
        "Atelier partagé / makerspace",
    ]
    assert page.select_one("p.description").get_text() == "Atelier de fabrication numérique."
    contact = page.select_one("section[aria-labelledby=contact-title]")
    assert "8 rue Pierre-Bourdieu" in contact.get_text()
    assert contact.find("a", string="Pau")["href"] == "/territoires/commune/64445/"
    assert facts(page) == {
        "Site web": "https://fabrique.example.org",
        "Téléphone": "05 59 00 00 00",
        "Statut": "Ouvert",
        "Forme juridique": "Association",
        "SIRET": "73282932000074",
        "Surface": "250 m²",
        "Capacité d'accueil": "40 personnes",
        "Source": "saisie directe",
        "Fiche créée le": facts(page)["Fiche créée le"],
        "Dernière modification": facts(page)["Dernière modification"],
    }
    assert page.find("a", string="05 59 00 00 00")["href"] == "tel:+33559000000"
    services = page.select_one("section[aria-labelledby=services-title]").find_all("li")
    assert [item.get_text() for item in services] == ["Formation", "Prototypage"]
    equipment = page.select_one("section[aria-labelledby=equipment-title]").find_all("li")
    assert [item.get_text() for item in equipment] == ["Découpeuse laser", "Imprimante 3D"]
    access = page.select_one("section[aria-labelledby=access-title]").get_text(" ", strip=True)
    assert "Accessible en fauteuil roulant" in access
    assert page.select_one(".alert-warning") is None  # exact coordinates: no precision note


def test_place_map_marks_the_place(client, place_a):
    map_element = detail(client, place_a).select_one("#carte-lieu")
    assert map_element["data-point"] == "43.2951,-0.3708"
    assert map_element["data-point-label"] == "La Fabrique"


def test_commune_centre_location_is_flagged_and_provenance_shown(client, place_paris):
    page = detail(client, place_paris)
    assert "Position approximative" in page.select_one(".alert-warning").get_text()
    assert facts(page)["Source"] == "demo"
    assert facts(page)["Identifiant à la source"] == "demo-1"
    assert page.select_one("#etat-ouverture") is None
    assert "Horaires non renseignés." in page.get_text()


def test_open_now_with_closing_time(client, place_a):
    page = detail(client, place_a, MONDAY_10AM)
    state = page.select_one("#etat-ouverture")
    assert "is-open" in state["class"]
    assert state.get_text(" ", strip=True) == "Ouvert maintenant · ferme à 18:00"


def test_closed_now_with_next_opening_and_the_week_from_today(client, place_a):
    page = detail(client, place_a, SATURDAY_10AM)
    state = page.select_one("#etat-ouverture")
    assert "is-closed" in state["class"]
    # Monday 9 June 2025 is Whit Monday, a public holiday: the place opens on Tuesday.
    assert state.get_text(" ", strip=True) == "Fermé maintenant · ouvre le mardi 10 juin à 09:00"
    rows = [
        (row.th.get_text(" ", strip=True), row.td.get_text(strip=True))
        for row in page.select("table tbody tr")
    ]
    assert rows == [
        ("samedi 7 juin (aujourd'hui)", "Fermé"),
        ("dimanche 8 juin", "Fermé"),
        ("lundi 9 juin", "Fermé"),
        ("mardi 10 juin", "09:00–18:00"),
        ("mercredi 11 juin", "09:00–18:00"),
        ("jeudi 12 juin", "09:00–18:00"),
        ("vendredi 13 juin", "09:00–18:00"),
    ]


def test_public_holidays_close_a_place_with_ph_off(client, place_a):
    page = detail(client, place_a, BASTILLE_DAY_10AM)
    assert page.select_one("#etat-ouverture").get_text(" ", strip=True) == (
        "Fermé maintenant · ouvre le mardi 15 juillet à 09:00"
    )


def test_json_ld_describes_the_place(client, place_a):
    script = detail(client, place_a).find("script", type="application/ld+json")
    data = json.loads(script.string)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "LocalBusiness"
    assert data["name"] == "La Fabrique"
    assert data["url"] == f"http://testserver/lieux/{place_a.slug}/"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 43.2951, "longitude": -0.3708}
    assert data["telephone"] == "+33559000000"


def test_json_ld_cannot_close_its_script_element(client, place_a):
    place_a.description = "</script><script>alert(1)</script>"
    place_a.save()
    script = detail(client, place_a).find("script", type="application/ld+json")
    assert json.loads(script.string)["description"] == "</script><script>alert(1)</script>"


@pytest.mark.parametrize(
    ("who", "sees_edit"),
    [("anonymous", False), ("manager_a", True), ("manager_b", False), ("admin_user", True)],
)
def test_edit_link_only_for_those_who_may_edit(client, request, place_a, who, sees_edit):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    page = detail(client, place_a)
    assert (page.find("a", string="Modifier") is not None) == sees_edit
    assert (page.find("a", string="Supprimer") is not None) == sees_edit


def test_unknown_place_is_404(client):
    assert client.get("/lieux/inconnu/").status_code == 404


@pytest.mark.parametrize(
    ("status", "says"),
    [
        ("closed", "Ce lieu a fermé : il n’accueille plus de public."),
        ("project", "Ce lieu est en projet : il n’a pas encore ouvert."),
    ],
)
def test_hours_do_not_claim_a_closed_or_planned_place_is_open(client, status, says):
    place = make_place(name="Le Hangar", status=status, opening_hours="24/7")
    page = detail(client, place, MONDAY_10AM)
    assert page.select_one("#etat-ouverture").get_text(strip=True) == says
    assert len(page.select("table tbody tr")) == 7  # the hours stay on record
    with mock.patch("django.utils.timezone.now", return_value=MONDAY_10AM):
        listing = parse(client.get("/lieux/"))
    assert listing.select_one(".card .badge-open") is None
