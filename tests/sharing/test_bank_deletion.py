"""A bank goes with what owns it: deleting a network or a place whose time bank holds
transfers deletes that bank's accounts and transfers with it, and nothing else. An account
with transfers cannot be deleted on its own: the books would no longer balance."""

import pytest
from django.db.models import RestrictedError

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.places.models import Network, Place
from maillage.places.services import delete_network, delete_place
from maillage.sharing import selectors, services
from maillage.sharing.models import TimeAccount, TimeTransfer
from tests.places.factories import make_place
from tests.sharing.factories import make_member, set_sharing
from tests.sharing.test_network_time_bank import network_of, open_bank

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    """Transfers in the network's bank and in the first place's own bank."""
    place, other = make_place(name="Lieu A"), make_place(name="Lieu C")
    network = network_of([place, other])
    world = {
        "network": network,
        "place_a": place,
        "member_a": make_member(place, username="membre-a"),
        "helper_a": make_member(place, username="aide-a"),
        "helper_c": make_member(other, username="membre-c"),
    }
    open_bank(network, overdraft_minutes=600)
    set_sharing(place, time_bank_enabled=True, overdraft_minutes=600)
    services.record_network_time_exchange(
        actor=SYSTEM,
        network=network,
        payer=world["member_a"],
        payee=world["helper_c"],
        minutes=30,
        label="Aide au réseau",
    )
    services.record_time_exchange(
        actor=SYSTEM,
        place=place,
        payer=world["member_a"],
        payee=world["helper_a"],
        minutes=20,
        label="Aide au lieu",
    )
    return world


# The owner deleted: its model, its delete service, its key in `books`; then the other bank's
# owner, which keeps its books, as a field of TimeTransfer and its key in `books`.
OWNERS = {
    "network": (Network, delete_network, "network", "place", "place_a"),
    "place": (Place, delete_place, "place_a", "network", "network"),
}


@pytest.mark.parametrize("owner", list(OWNERS))
def test_deleting_a_banks_owner_deletes_its_bank_and_leaves_the_other_bank(books, owner):
    model, delete, key, kept_field, kept_key = OWNERS[owner]
    target, kept = books[key], books[kept_key]
    target_id = target.pk
    delete(**{"actor": SYSTEM, owner: target})
    assert not model.objects.filter(pk=target_id).exists()
    assert not TimeTransfer.objects.filter(**{f"{owner}_id": target_id}).exists()
    assert not TimeAccount.objects.filter(**{f"{owner}_id": target_id}).exists()
    assert TimeTransfer.objects.filter(**{kept_field: kept}).count() == 1
    assert selectors.total_balance_minutes(**{kept_field: kept}) == 0
    action = f"{owner}.delete"
    assert AuditEntry.objects.filter(action=action, object_id=str(target_id)).exists()


def test_an_account_with_transfers_cannot_be_deleted_alone(books):
    account = TimeAccount.objects.get(network=books["network"], user=books["member_a"])
    with pytest.raises(RestrictedError):
        account.delete()
    assert TimeTransfer.objects.filter(network=books["network"]).count() == 1


def test_an_account_without_transfers_can_be_deleted(books):
    newcomer = make_member(books["place_a"])
    account = TimeAccount.objects.create(network=books["network"], user=newcomer)
    account.delete()
    assert not TimeAccount.objects.filter(pk=account.pk).exists()
