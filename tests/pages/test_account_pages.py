"""Account pages: sign in and out, brute-force lockout, "Mes lieux", API tokens."""

import pytest

from maillage.accounts.models import ApiToken
from maillage.accounts.services import authenticate_token, create_api_token
from tests.accounts.factories import UserFactory
from tests.pages.page_helpers import parse, text

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # UserFactory's


def test_sign_in_and_out(client, manager_a):
    page = parse(client.get("/comptes/connexion/?next=/lieux/"))
    form = page.select_one("main form")
    assert form["method"] == "post"
    assert form.select_one("input[name=next]")["value"] == "/lieux/"
    response = client.post(
        "/comptes/connexion/",
        {"username": "gestionnaire-a", "password": PASSWORD, "next": "/lieux/"},
    )
    assert (response.status_code, response["Location"]) == (302, "/lieux/")
    response = client.post("/comptes/deconnexion/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.get("/comptes/jetons/").status_code == 302


def test_wrong_password_is_explained(client, manager_a):
    response = client.post(
        "/comptes/connexion/", {"username": "gestionnaire-a", "password": "nope"}
    )
    alert = parse(response).select_one(".alert-error")
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in text(alert)


def test_five_failures_lock_the_account_with_a_french_message(client, manager_a):
    for _attempt in range(4):
        response = client.post(
            "/comptes/connexion/", {"username": "gestionnaire-a", "password": "nope"}
        )
        assert response.status_code == 200
    response = client.post(
        "/comptes/connexion/", {"username": "gestionnaire-a", "password": "nope"}
    )
    assert response.status_code == 429
    # Locked: even the right password is refused for now.
    response = client.post(
        "/comptes/connexion/", {"username": "gestionnaire-a", "password": PASSWORD}
    )
    assert response.status_code == 429
    page = parse(response, status=429)
    assert page.h1.get_text() == "Connexion bloquée"
    assert "Réessayez dans 60 minutes." in text(page.select_one(".alert-error"))
    assert "_auth_user_id" not in client.session


def test_my_places_lists_the_managed_places(client, place_a, place_b, manager_a):
    assert client.get("/comptes/mes-lieux/").status_code == 302
    client.force_login(manager_a)
    page = parse(client.get("/comptes/mes-lieux/"))
    rows = page.select("tbody tr")
    assert [row.th.get_text() for row in rows] == ["La Fabrique"]
    assert rows[0].find("a", href=f"/lieux/{place_a.slug}/modifier/") is not None


def test_my_places_says_when_there_is_none(client):
    client.force_login(UserFactory())
    assert "Vous ne gérez aucun lieu" in text(parse(client.get("/comptes/mes-lieux/")))


def test_token_is_shown_once_then_listed_by_prefix(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/comptes/jetons/", {"name": "script d'import"}, follow=True)
    assert "no-store" in response["Cache-Control"]
    page = parse(response)
    raw = page.select_one("#nouveau-jeton").get_text()
    assert raw.startswith("mlg_")
    token = ApiToken.objects.get(user=user)
    page = parse(client.get("/comptes/jetons/"))
    assert raw not in page.decode()
    row = [text(cell) for cell in page.select_one("tbody tr").find_all(["th", "td"])]
    assert row[0] == "script d'import"
    assert row[1] == f"{token.prefix}…"
    assert row[3] == "jamais"
    assert row[4] == "Révoquer script d'import"
    assert authenticate_token(raw) == user


def test_creating_a_token_redirects_so_a_reload_creates_no_second_one(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/comptes/jetons/", {"name": "cron"})
    assert (response.status_code, response["Location"]) == (302, "/comptes/jetons/")
    first = parse(client.get("/comptes/jetons/"))
    raw = first.select_one("#nouveau-jeton").get_text()
    assert authenticate_token(raw) == user
    # Reloading the page (a GET now, after the redirect) shows no value and creates nothing.
    again = parse(client.get("/comptes/jetons/"))
    assert again.select_one("#nouveau-jeton") is None
    assert raw not in again.decode()
    assert ApiToken.objects.filter(user=user).count() == 1


def test_new_token_page_offers_a_copy_button_for_scripts_only(client):
    """The button is `hidden` until common/copy.js (a static file: the policy allows no inline
    script) finds the Clipboard API and shows it."""
    client.force_login(UserFactory())
    page = parse(client.post("/comptes/jetons/", {"name": "cron"}, follow=True))
    button = page.select_one('button[data-copy-target="nouveau-jeton"]')
    assert button.has_attr("hidden")
    assert text(button) == "Copier le jeton"
    assert page.select_one('script[src$="common/copy.js"]') is not None
    assert page.select_one("script:not([src])") is None


def test_token_pages_are_never_compressed(client):
    """They print a secret next to text the person typed (the token's name): BREACH."""
    client.force_login(UserFactory())
    response = client.post(
        "/comptes/jetons/", {"name": "cron"}, follow=True, HTTP_ACCEPT_ENCODING="gzip"
    )
    assert b'id="nouveau-jeton"' in response.content
    assert not response.has_header("Content-Encoding")


def test_token_name_is_required(client):
    client.force_login(UserFactory())
    page = parse(client.post("/comptes/jetons/", {"name": ""}), status=400)
    assert page.select_one("#nouveau-jeton") is None
    summary = page.select_one(".error-summary")
    assert summary.has_attr("autofocus")
    assert summary.select_one('a[href="#id_name"]') is not None
    assert text(page.select_one("#id_name_error")) == "Ce champ est obligatoire."


def test_revoking_a_token_stops_it(client):
    user = UserFactory()
    token, raw = create_api_token(user=user, name="cron")
    client.force_login(user)
    response = client.post(f"/comptes/jetons/{token.pk}/revoquer/")
    assert (response.status_code, response["Location"]) == (302, "/comptes/jetons/")
    assert authenticate_token(raw) is None
    page = parse(client.get("/comptes/jetons/"))
    assert "Le jeton « cron » est révoqué." in text(page.select_one(".messages"))
    assert text(page.select_one("tbody tr td:last-child")).startswith("révoqué le ")


def test_nobody_revokes_someone_elses_token(client):
    token, raw = create_api_token(user=UserFactory(), name="cron")
    client.force_login(UserFactory())
    assert client.post(f"/comptes/jetons/{token.pk}/revoquer/").status_code == 404
    assert client.get(f"/comptes/jetons/{token.pk}/revoquer/").status_code == 405
    assert authenticate_token(raw) is not None
