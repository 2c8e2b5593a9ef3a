"""Sign-up, email confirmation by a signed link, password reset, through the pages."""

from urllib.parse import urlsplit

import pytest
from django.core import signing
from django.utils import timezone

from maillage.accounts.models import User
from maillage.accounts.services import confirmation_token
from tests.factories import UserFactory
from tests.mail_helpers import link_in, send_queued_mail

pytestmark = pytest.mark.django_db

PASSWORD = "une phrase de passe solide"


def sign_up(client, email="ada@example.org", **overrides):
    data = {"email": email, "name": "Ada", "password1": PASSWORD, "password2": PASSWORD}
    data.update(overrides)
    return client.post("/comptes/inscription/", data)


def path_of(url: str) -> str:
    return urlsplit(url).path


def test_an_account_signs_in_only_once_its_address_is_confirmed(client, mailoutbox):
    response = sign_up(client, email="Ada@Example.org")
    assert response.status_code == 302
    assert response["Location"] == "/comptes/inscription/envoyee/"
    user = User.objects.get()
    assert (user.username, user.email, user.first_name) == ("ada@example.org",) * 2 + ("Ada",)
    assert not user.is_active

    refused = client.post(
        "/comptes/connexion/", {"username": "ada@example.org", "password": PASSWORD}
    )
    assert refused.status_code == 200 and "_auth_user_id" not in client.session

    assert send_queued_mail() == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.org"]
    assert message.subject == "Confirmez votre adresse sur Maillage"
    confirmed = client.get(path_of(link_in(message, "http://testserver/comptes/confirmer/")))
    assert confirmed.status_code == 302 and confirmed["Location"] == "/comptes/connexion/"
    user.refresh_from_db()
    assert user.is_active

    signed_in = client.post(
        "/comptes/connexion/", {"username": "ada@example.org", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_forged_or_expired_confirmation_link_is_refused(client, settings):
    sign_up(client)
    user = User.objects.get()
    assert client.get("/comptes/confirmer/not-a-token/").status_code == 400
    forged = signing.dumps({"user": user.pk, "email": user.email}, salt="other")
    assert client.get(f"/comptes/confirmer/{forged}/").status_code == 400
    token = confirmation_token(user)
    settings.ACCOUNT_LINK_DAYS = 0
    assert client.get(f"/comptes/confirmer/{token}/").status_code == 400
    user.refresh_from_db()
    assert not user.is_active


def test_a_link_for_an_address_the_account_no_longer_has_is_refused(client):
    sign_up(client)
    user = User.objects.get()
    token = confirmation_token(user)
    User.objects.filter(pk=user.pk).update(email="autre@example.org")
    assert client.get(f"/comptes/confirmer/{token}/").status_code == 400


def test_an_old_link_does_not_reactivate_an_account_an_admin_disabled(client):
    sign_up(client)
    user = User.objects.get()
    token = confirmation_token(user)
    client.get(f"/comptes/confirmer/{token}/")
    User.objects.filter(pk=user.pk).update(is_active=False, last_login=timezone.now())
    client.get(f"/comptes/confirmer/{token}/")
    user.refresh_from_db()
    assert not user.is_active


def test_signing_up_with_a_known_address_says_nothing_on_the_page_but_mails_the_owner(
    client, mailoutbox
):
    UserFactory(username="ada", email="ada@example.org")
    response = sign_up(client, email="ADA@example.org")
    assert response["Location"] == "/comptes/inscription/envoyee/"
    assert User.objects.count() == 1
    send_queued_mail()
    assert mailoutbox[0].subject == "Vous avez déjà un compte sur Maillage"
    assert "/comptes/mot-de-passe/" in mailoutbox[0].body


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "autre chose encore"}, "password2"),
        ({"password1": "12345678", "password2": "12345678"}, "password1"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"name": ""}, "name"),
    ],
)
def test_a_refused_sign_up_shows_the_error_by_its_field(client, overrides, field):
    response = sign_up(client, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


def test_a_password_is_reset_through_the_emailed_link(client, mailoutbox):
    user = UserFactory(username="ada", email="ada@example.org")
    response = client.post("/comptes/mot-de-passe/", {"email": "ada@example.org"})
    assert response["Location"] == "/comptes/mot-de-passe/envoye/"
    assert send_queued_mail() == 1
    assert mailoutbox[0].subject == "Choisir un nouveau mot de passe sur Maillage"
    assert mailoutbox[0].alternatives[0][1] == "text/html"
    link = path_of(link_in(mailoutbox[0], "http://testserver/comptes/mot-de-passe/"))
    form_page = client.get(link, follow=True)
    assert form_page.context["validlink"]
    new = "un tout nouveau secret"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done["Location"] == "/comptes/mot-de-passe/change/"
    user.refresh_from_db()
    assert user.check_password(new)


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, mailoutbox):
    response = client.post("/comptes/mot-de-passe/", {"email": "personne@example.org"})
    assert response["Location"] == "/comptes/mot-de-passe/envoye/"
    assert send_queued_mail() == 0


def test_the_lockout_still_applies_to_accounts_made_by_sign_up(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    sign_up(client)
    User.objects.update(is_active=True)
    for _attempt in range(2):
        client.post("/comptes/connexion/", {"username": "ada@example.org", "password": "faux"})
    locked = client.post(
        "/comptes/connexion/", {"username": "ada@example.org", "password": PASSWORD}
    )
    assert locked.status_code == 429


def test_pages_of_the_journey_render(client):
    for url in ("/comptes/inscription/", "/comptes/inscription/envoyee/", "/comptes/mot-de-passe/"):
        assert client.get(url).status_code == 200, url
    login = client.get("/comptes/connexion/").content.decode()
    assert "/comptes/inscription/" in login and "/comptes/mot-de-passe/" in login


def test_signing_up_again_before_confirming_sends_the_link_again(client, mailoutbox):
    sign_up(client)
    sign_up(client, password1="un autre secret long", password2="un autre secret long")
    assert User.objects.count() == 1
    assert send_queued_mail() == 2
    assert [m.subject for m in mailoutbox] == ["Confirmez votre adresse sur Maillage"] * 2
    client.get(path_of(link_in(mailoutbox[1], "http://testserver/comptes/confirmer/")))
    user = User.objects.get()
    assert user.is_active and user.check_password(PASSWORD)
