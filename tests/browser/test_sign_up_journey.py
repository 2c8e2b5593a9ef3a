"""Sign up, confirm the address from the email, sign in: in a real browser, under the CSP."""

import pytest

from maillage.accounts.models import User
from tests.mail_helpers import link_in, send_queued_mail

pytestmark = pytest.mark.browser

PASSWORD = "une phrase de passe solide"


def test_sign_up_confirm_then_sign_in(page, site, mailoutbox):
    page.goto(f"{site}/")
    page.click("text=Créer un compte")
    page.fill("#id_email", "ada@example.org")
    page.fill("#id_name", "Ada")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button:has-text('Créer mon compte')")
    page.wait_for_url(f"{site}/comptes/inscription/envoyee/")
    assert page.text_content("h1") == "Vérifiez votre messagerie"
    assert not User.objects.get(email="ada@example.org").is_active

    assert send_queued_mail() == 1
    page.goto(link_in(mailoutbox[0], f"{site}/comptes/confirmer/"))
    page.wait_for_url(f"{site}/comptes/connexion/")
    assert "Votre adresse est confirmée" in page.text_content(".messages")

    page.fill("#id_username", "ada@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Se connecter')")
    page.wait_for_url(f"{site}/")
    page.click("text=Mon espace")
    assert page.text_content("h1") == "Mon espace"
    assert "Se déconnecter (ada@example.org)" in page.text_content(".main-nav")
