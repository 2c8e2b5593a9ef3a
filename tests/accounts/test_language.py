"""The language of a person's emails: set from the page's language at sign-up, changed on
« Mes données », and used by every email sent to them (accounts, members, bookings, governance,
organisations)."""

from datetime import date

import pytest
from django_tasks_db.models import DBTaskResult

from maillage.accounts.models import User
from maillage.accounts.services import set_language
from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.common.mail import language_of
from maillage.members import services as members
from maillage.organisations import services as organisations
from tests.accounts.factories import UserFactory
from tests.governance.factories import make_body, make_vote
from tests.mail_helpers import send_queued_mail
from tests.organisations.factories import make_organisation
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

PASSWORD = "une phrase de passe solide"


def sign_up(client, email="ada@example.org", **headers):
    data = {"email": email, "name": "Ada", "password1": PASSWORD, "password2": PASSWORD}
    return client.post("/comptes/inscription/", data, headers=headers)


def test_sign_up_records_the_page_s_language_and_mails_in_it(client, mailoutbox):
    sign_up(client, **{"Accept-Language": "en-GB,en;q=0.8"})
    user = User.objects.get()
    assert user.language == "en"
    send_queued_mail()
    [message] = mailoutbox
    assert message.subject == "Confirm your address on Maillage"


def test_sign_up_in_french_by_default(client, mailoutbox):
    sign_up(client)
    assert User.objects.get().language == "fr"
    send_queued_mail()
    assert mailoutbox[0].subject == "Confirmez votre adresse sur Maillage"


def test_the_account_page_changes_the_language_of_one_s_emails(client):
    ada = UserFactory()
    client.force_login(ada)
    page = client.get("/comptes/mes-donnees/").content.decode()
    assert "Langue de mes e-mails" in page and 'name="language"' in page
    response = client.post("/comptes/mes-donnees/langue/", {"language": "en"})
    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.language == "en"
    assert AuditEntry.objects.filter(action="account.language").count() == 1
    refused = client.post("/comptes/mes-donnees/langue/", {"language": "xx"})
    assert refused.status_code == 400
    ada.refresh_from_db()
    assert ada.language == "en"


def test_only_the_person_sets_their_language():
    ada, bob = UserFactory(), UserFactory()
    with pytest.raises(PermissionDenied):
        set_language(actor=bob, user=ada, language="en")
    with pytest.raises(PermissionDenied):
        set_language(actor=SYSTEM, user=ada, language="en")
    with pytest.raises(ValidationFailed):
        set_language(actor=ada, user=ada, language="de")


def test_language_of_falls_back_to_the_site_s():
    assert language_of(None) == "fr"
    assert language_of(UserFactory(language="en")) == "en"


def test_the_password_reset_is_in_the_person_s_language(client, mailoutbox):
    UserFactory(email="ada@example.org", language="en")
    client.post("/comptes/mot-de-passe/", {"email": "ada@example.org"})
    send_queued_mail()
    [message] = mailoutbox
    assert message.subject == "Choose a new password on Maillage"


def test_signing_up_with_a_known_address_mails_its_owner_in_their_language(client, mailoutbox):
    UserFactory(email="ada@example.org", language="en")
    sign_up(client)  # a French page
    send_queued_mail()
    [message] = mailoutbox
    assert message.subject == "You already have an account on Maillage"


def test_membership_emails_are_in_the_member_s_language(mailoutbox):
    place = make_place(name="La Fabrique")
    ada = UserFactory(language="en")
    membership = members.request_membership(actor=ada, place=place)
    DBTaskResult.objects.all().delete()
    members.accept_request(actor=SYSTEM, membership=membership)
    send_queued_mail()
    [message] = mailoutbox
    assert message.subject == "Welcome to La Fabrique: your membership is accepted"


def test_governance_emails_go_to_each_in_their_language(mailoutbox):
    body, (ada, bob) = make_body(members=2)
    User.objects.filter(pk=ada.pk).update(language="en")
    DBTaskResult.objects.all().delete()
    vote = make_vote(body)
    send_queued_mail()
    subjects = {message.to[0]: message.subject for message in mailoutbox}
    assert subjects[ada.email] == f"Vote open: {vote.title}"
    assert subjects[bob.email] == f"Vote ouvert : {vote.title}"


def test_the_headcount_reminder_is_in_the_contact_s_language(mailoutbox):
    place = make_place(name="La Pépinière")
    UserFactory(email="contact@atelier.example.org", language="en")
    make_organisation(place, name="Hébergée", start_date=date(2026, 1, 5))
    DBTaskResult.objects.all().delete()
    today = date(2026, 11, 15)
    assert organisations.send_headcount_reminders(actor=SYSTEM, today=today) == 1
    send_queued_mail()
    [message] = mailoutbox
    assert message.subject == "Hébergée: how many are you this quarter?"
