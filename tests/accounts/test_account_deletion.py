"""A person downloads their data and deletes their account: nothing personal remains."""

import json
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from maillage.accounts.models import ApiToken, User
from maillage.accounts.services import create_api_token, delete_account, sign_up
from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.members import services as members
from maillage.members.models import Charge, Membership
from tests.factories import UserFactory, make_place
from tests.members.factories import make_plan

pytestmark = pytest.mark.django_db

PASSWORD = "une phrase de passe solide"
NEEDLES = ("adaline.lovelacy@example.org", "Adaline", "Lovelacy")
TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def everything_mentioning(needles) -> list[str]:
    """Every (table, column) of every model whose stored text contains one of `needles`."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        for row in model._base_manager.values_list(*[f.attname for f in fields]):
            for field, value in zip(fields, row, strict=True):
                text = json.dumps(value, ensure_ascii=False) if value is not None else ""
                found += [
                    f"{model._meta.db_table}.{field.column}: {needle}"
                    for needle in needles
                    if needle.lower() in text.lower()
                ]
    return found


@pytest.fixture
def person(client):
    """Someone who signed up, confirmed, holds a token, is a member (with a directory entry,
    a message and charges) and was invited by address to another place."""
    staff = UserFactory(username="equipe")
    place = make_place(staff=[staff])
    other = make_place(name="Cowork Lescar", insee_code="64348", staff=[staff])
    # Invited by address before having an account: the log keeps the address, personally.
    assert (
        members.invite_by_email(actor=staff, place=other, email="ADALINE.lovelacy@example.org")
        is None
    )
    user = sign_up(email=NEEDLES[0], password=PASSWORD, name="Adaline", confirmed=True)
    User.objects.filter(pk=user.pk).update(last_name="Lovelacy")
    user.refresh_from_db()
    create_api_token(user=user, name="script d'Adaline")
    plan = make_plan(place)
    membership = members.request_membership(
        actor=user, place=place, plan=plan, message="Bonjour, Adaline Lovelacy ici"
    )
    members.accept_request(actor=staff, membership=membership, start_date=date(2026, 1, 1))
    members.update_directory_consent(
        actor=user,
        membership=membership,
        in_directory=True,
        show_email=True,
        presentation="Soudure ; demandez Adaline",
    )
    members.bill_period(actor=SYSTEM, place=place, period_start=date(2026, 2, 1))
    client.force_login(user)
    return user


def test_the_export_holds_the_account_the_tokens_and_every_section(client, person):
    response = client.get("/comptes/mes-donnees/export.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == NEEDLES[0]
    assert data["account"]["last_name"] == "Lovelacy"
    assert [token["name"] for token in data["api_tokens"]] == ["script d'Adaline"]
    assert "mlg_" not in response.content.decode()
    assert data["memberships"][0]["presentation"] == "Soudure ; demandez Adaline"


def test_anonymous_visitors_are_sent_to_sign_in():
    from django.test import Client

    for url in ("/comptes/mes-donnees/", "/comptes/mes-donnees/export.json"):
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith(
            "/comptes/connexion/"
        )


def test_a_wrong_password_deletes_nothing(client, person):
    response = client.post("/comptes/mes-donnees/supprimer/", {"password": "faux"})
    assert response.status_code == 400
    assert "password" in response.context["form"].errors
    assert User.objects.filter(pk=person.pk).exists()


def test_after_deletion_nothing_personal_remains_in_any_table(client, person):
    assert everything_mentioning(NEEDLES)  # the search finds what is there
    membership_ids = list(Membership.objects.filter(user=person).values_list("pk", flat=True))
    charges = Charge.objects.count()

    response = client.post("/comptes/mes-donnees/supprimer/", {"password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(pk=person.pk).exists()
    assert not ApiToken.objects.filter(user_id=person.pk).exists()
    remaining = everything_mentioning(NEEDLES)
    assert remaining == [], "\n".join(remaining)
    kept = Membership.objects.filter(pk__in=membership_ids)
    assert [(m.user_id, m.status, m.in_directory, m.presentation) for m in kept] == [
        (None, "active", False, "")
    ]
    assert Charge.objects.count() == charges
    assert AuditEntry.objects.filter(action="account.delete", actor_ref=str(person.pk)).exists()
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()


def test_only_the_person_or_an_instance_admin_deletes_an_account(person):
    with pytest.raises(PermissionDenied):
        delete_account(actor=UserFactory(), user=person)
    delete_account(actor=SYSTEM, user=person)
    assert not User.objects.filter(pk=person.pk).exists()
