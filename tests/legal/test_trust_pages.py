"""The trust pages (legal notice, personal data, accessibility, terms, contact), the footer that
links to them from every page, and the publisher's identity read from the settings."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from maillage.accounts.personal_data import sections
from maillage.legal.content import AUDITED_PAGES, PERSONAL_DATA
from tests.accounts.factories import UserFactory
from tests.pages.page_helpers import parse, text
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

TRUST_PAGES = {
    "/mentions-legales/": "Mentions légales",
    "/donnees-personnelles/": "Vos données personnelles",
    "/accessibilite/": "Déclaration d’accessibilité",
    "/conditions-d-utilisation/": "Conditions d’utilisation",
    "/contact/": "Nous contacter",
}
PUBLISHER = {
    "name": "Tiers-lieux du Béarn",
    "legal_form": "association loi 1901",
    "address": "2 place Royale, 64000 Pau",
    "siret": "12345678900011",
    "email": "contact@tiers-lieux-bearn.example",
    "phone": "05 59 00 00 00",
    "director": "Camille Durand",
    "dpo_email": "",
    "host": "Hébergeur Exemple SAS",
    "host_address": "1 rue du Serveur, 75001 Paris",
    "host_phone": "",
}


@pytest.fixture
def publisher(settings):
    settings.PUBLISHER = dict(PUBLISHER)
    return settings.PUBLISHER


@pytest.mark.parametrize(("path", "heading"), TRUST_PAGES.items())
def test_each_trust_page_answers_with_its_heading(client, path, heading):
    page = parse(client.get(path))
    assert text(page.select_one("h1")) == heading


def test_legal_notice_names_the_instance_s_publisher_and_host(client, publisher):
    page = text(parse(client.get("/mentions-legales/")).select_one("main"))
    for key in ("name", "legal_form", "address", "siret", "email", "director", "host"):
        assert publisher[key] in page, key
    assert "non renseigné" not in page


def test_legal_notice_says_what_the_instance_left_unset(client, settings):
    settings.PUBLISHER = dict.fromkeys(PUBLISHER, "")
    page = parse(client.get("/mentions-legales/"))
    assert text(page.select_one("main")).count("non renseigné par l’instance") == 6


def test_contact_page_gives_the_publisher_s_address(client, publisher):
    page = parse(client.get("/contact/"))
    link = page.select_one('main a[href^="mailto:"]')
    assert link["href"] == f"mailto:{publisher['email']}"
    assert "Tiers-lieux du Béarn" in text(page.select_one(".lead"))


def test_every_registered_kind_of_personal_data_is_described():
    """An app that registers a new section of the export must say it on the page."""
    described = {row.section for row in PERSONAL_DATA if row.section is not None}
    assert described == {section.name for section in sections()}


def test_personal_data_page_says_why_how_long_and_how_to_exercise_one_s_rights(client, publisher):
    page = parse(client.get("/donnees-personnelles/"))
    rows = page.select("main tbody tr")
    assert len(rows) == len(PERSONAL_DATA)
    for row in rows:
        cells = [text(cell) for cell in row.find_all(["th", "td"])]
        assert all(cells), cells  # what, why, legal basis, how long: none left empty
    headers = [text(th) for th in page.select("main thead th")]
    assert headers == ["Données", "Pourquoi", "Base légale", "Durée de conservation"]
    rights = page.select_one("#droits").find_next("ul")
    assert rights.select_one('a[href="/comptes/mes-donnees/"]') is not None
    assert rights.select_one(f'a[href="mailto:{publisher["email"]}"]') is not None
    assert "CNIL" in text(rights)


def test_personal_data_page_follows_the_instance_s_retention(client, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    assert "conservé 30 jours après la fin" in text(parse(client.get("/donnees-personnelles/")))
    settings.IMPORT_FILE_RETENTION_DAYS = 0
    assert "supprimé dès la fin" in text(parse(client.get("/donnees-personnelles/")))


def test_accessibility_statement_lists_what_axe_core_checked(client):
    page = parse(client.get("/accessibilite/"))
    body = text(page.select_one("main"))
    assert (
        "non conforme au référentiel général d’amélioration de l’accessibilité (RGAA 4.1)" in body
    )
    assert f"0 violation détectée sur les {len(AUDITED_PAGES)} pages testées" in body
    listed = [text(code) for code in page.select("main ul.columns code")]
    assert listed == [audited.path for audited in AUDITED_PAGES]
    assert "Défenseur des droits" in body


def test_trust_pages_are_in_english_too(client):
    client.cookies["django_language"] = "en"
    page = parse(client.get("/donnees-personnelles/"))
    assert page.html["lang"] == "en"
    assert text(page.select_one("h1")) == "Your personal data"


@pytest.mark.parametrize(
    "path",
    ["/", "/lieux/", "/territoires/", "/territoires/departement/64/", "/comptes/connexion/"],
)
def test_the_footer_of_every_page_links_to_the_trust_pages(client, path):
    footer = parse(client.get(path)).select_one("footer")
    hrefs = {link["href"] for link in footer.select("a")}
    assert set(TRUST_PAGES) <= hrefs


def test_the_footer_is_on_error_and_signed_in_pages_too(client):
    footer = parse(client.get("/lieux/nexiste-pas/"), status=404).select_one("footer")
    assert {"/mentions-legales/", "/donnees-personnelles/", "/accessibilite/"} <= {
        link["href"] for link in footer.select("a")
    }
    client.force_login(UserFactory())
    footer = parse(client.get("/comptes/jetons/")).select_one("footer")
    assert footer.select_one('a[href="/accessibilite/"]') is not None


def test_a_place_page_footer_links_to_the_trust_pages(client):
    place = make_place()
    footer = parse(client.get(f"/lieux/{place.slug}/")).select_one("footer")
    assert footer.select_one('a[href="/mentions-legales/"]') is not None


def test_deploy_check_warns_when_the_publisher_is_not_set(settings):
    settings.PUBLISHER = dict.fromkeys(PUBLISHER, "")
    with pytest.raises(SystemCheckError, match=r"maillage\.legal\.W001"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "maillage")


def test_deploy_check_is_quiet_once_the_publisher_is_set(publisher):
    call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "maillage")
