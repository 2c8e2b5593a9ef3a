"""The audit log: what the services record, and that entries are never changed through the ORM."""

import pytest
from django.db import transaction

from maillage.accounts.services import create_api_token, revoke_api_token
from maillage.audit.models import AuditEntry
from maillage.audit.services import (
    GENESIS_HASH,
    PERSONAL,
    OutsideTransactionError,
    chain_pending,
    record,
)
from maillage.common.actors import SYSTEM
from maillage.common.appendonly import AppendOnlyError
from maillage.places.services import (
    delete_place,
    grant_place_role,
    revoke_place_role,
    update_place,
)
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place


def entries(action=None):
    chain_pending()  # on PostgreSQL the test's transaction never commits: link its entries now
    found = AuditEntry.objects.order_by("position")
    return list(found.filter(action=action) if action else found)


@pytest.mark.django_db
def test_creating_a_place_records_its_fields():
    place = make_place(name="Le Hangar", description="Ateliers", kinds=["fablab", "coworking"])
    [entry] = entries()
    assert (entry.action, entry.object_type, entry.object_id) == (
        "place.create",
        "places.place",
        str(place.pk),
    )
    assert entry.actor is None
    assert entry.actor_ref == "system"  # make_place acts as SYSTEM, like a command
    assert entry.changes["name"] == [None, "Le Hangar"]
    assert entry.changes["kinds"] == [None, ["fablab", "coworking"]]
    assert entry.changes["insee_code"] == [None, "64445"]
    assert "website" not in entry.changes  # blank fields are not listed
    assert (entry.position, entry.previous_hash) == (1, GENESIS_HASH)


@pytest.mark.django_db
def test_updating_a_place_records_only_the_changed_fields_and_who():
    admin = AdminFactory()
    place = make_place(description="Ateliers")
    update_place(actor=admin, place=place, changes={"description": "Ateliers et café"})
    [entry] = entries("place.update")
    assert entry.changes == {"description": ["Ateliers", "Ateliers et café"]}
    assert (entry.actor, entry.actor_ref) == (admin, str(admin.pk))
    assert entry.previous_hash == entries("place.create")[0].hash


@pytest.mark.django_db
def test_an_update_that_changes_nothing_records_nothing():
    place = make_place(description="Ateliers")
    update_place(actor=SYSTEM, place=place, changes={"description": "Ateliers"})
    assert entries("place.update") == []


@pytest.mark.django_db
def test_personal_fields_are_kept_out_of_the_hashed_changes():
    place = make_place(email="marie@example.org")
    update_place(actor=SYSTEM, place=place, changes={"email": "", "phone": "05 59 00 00 00"})
    created, updated = entries()
    assert created.changes["email"] == [None, PERSONAL]
    assert created.personal_changes == {"email": [None, "marie@example.org"]}
    assert updated.changes == {"email": [PERSONAL, None], "phone": [None, PERSONAL]}
    assert updated.personal_changes == {
        "email": ["marie@example.org", None],
        "phone": [None, "+33559000000"],
    }
    assert "marie" not in str(updated.changes)


@pytest.mark.django_db
def test_deleting_a_place_records_its_last_state():
    admin = AdminFactory()
    place = make_place(name="Le Hangar")
    place_id = place.pk
    delete_place(actor=admin, place=place)
    [entry] = entries("place.delete")
    assert entry.object_id == str(place_id)
    assert entry.changes["name"] == ["Le Hangar", None]
    assert entry.actor == admin


@pytest.mark.django_db
def test_granting_and_revoking_roles_records_the_user_by_id():
    admin, manager = AdminFactory(), UserFactory()
    place = make_place()
    grant_place_role(actor=admin, place=place, user=manager, role="staff")
    grant_place_role(actor=admin, place=place, user=manager, role="manager")
    grant_place_role(actor=admin, place=place, user=manager, role="manager")  # no change
    revoke_place_role(actor=admin, place=place, user=manager)
    granted = [entry.changes for entry in entries("place.role.grant")]
    assert granted == [
        {f"role:{manager.pk}": [None, "staff"]},
        {f"role:{manager.pk}": ["staff", "manager"]},
    ]
    [revoked] = entries("place.role.revoke")
    assert revoked.changes == {f"role:{manager.pk}": ["manager", None]}
    assert (revoked.actor, revoked.object_id) == (admin, str(place.pk))


@pytest.mark.django_db
def test_a_missing_actor_is_refused_not_taken_for_the_system():
    place = make_place()
    with pytest.raises(TypeError), transaction.atomic():
        record(actor=None, action="place.update", target=place, changes={"name": ["a", "b"]})
    with pytest.raises(TypeError):
        update_place(actor=None, place=place, changes={"name": "Autre"})
    assert entries("place.update") == []


@pytest.mark.django_db
def test_tokens_created_and_revoked_are_recorded_without_their_value():
    user = UserFactory()
    token, raw = create_api_token(user=user, name="script")
    revoke_api_token(user=user, token_id=token.pk)
    revoke_api_token(user=user, token_id=token.pk)  # already revoked: nothing more to record
    created, revoked = entries()
    assert (created.action, created.actor, created.object_type) == (
        "token.create",
        user,
        "accounts.apitoken",
    )
    assert created.changes == {"user": [None, user.pk], "name": [None, "personnel"]}
    assert created.personal_changes == {"name": [None, "script"]}
    assert revoked.action == "token.revoke"
    assert revoked.changes["revoked_at"][0] is None
    for entry in (created, revoked):
        assert raw not in str(entry.changes)
        assert token.digest not in str(entry.changes)


@pytest.mark.django_db
def test_the_tokens_page_records_the_user_as_actor(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/comptes/jetons/", {"name": "cron"})
    [entry] = entries("token.create")
    assert entry.actor == user


@pytest.mark.django_db
def test_an_entry_rolls_back_with_its_change():
    place = make_place()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=SYSTEM, action="place.update", target=place, changes={"name": ["a", "b"]})
        raise RuntimeError
    assert entries("place.update") == []


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_transaction_is_refused():
    user = UserFactory()
    with pytest.raises(OutsideTransactionError):
        record(actor=SYSTEM, action="test.outside", target=user, changes={})
    assert entries() == []


@pytest.mark.django_db
def test_entries_are_never_changed_or_deleted_through_the_orm():
    make_place()
    entry = entries()[0]
    entry.action = "place.delete"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(action="place.delete")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get().action == "place.create"


@pytest.mark.django_db
def test_deleting_a_user_keeps_their_entries_and_reference():
    user = UserFactory()
    create_api_token(user=user, name="script")
    user_id = user.pk
    user.delete()
    [entry] = entries()
    assert entry.actor is None
    assert entry.actor_ref == str(user_id)


@pytest.mark.django_db
def test_the_admin_shows_the_log_read_only(admin_client):
    make_place()
    entry = entries()[0]
    listing = admin_client.get("/admin/audit/auditentry/")
    assert listing.status_code == 200
    assert admin_client.get("/admin/audit/auditentry/add/").status_code == 403
    response = admin_client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
