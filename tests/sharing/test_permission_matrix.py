"""Who may make every sharing write, through the services.

Seven people: anonymous, a guest (signed in, a member nowhere), an active member of place A,
the staff of A, an active member of place B, the coordinator of a network containing A, and an
instance administrator. Each write answers allowed or PermissionDenied; the pages and the API
answer 404 for the objects a person may not see (tests/sharing/test_pages.py).
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.places.services import save_network
from maillage.sharing import services
from maillage.territories.models import Territory
from tests.accounts.factories import AdminFactory, UserFactory
from tests.members.factories import make_plan
from tests.places.factories import make_place
from tests.sharing.factories import image_bytes, make_item, make_member, make_post, set_sharing
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "guest", "member_a", "staff_a", "member_b", "coordinator", "admin")
RUNNERS_OF_A = ("staff_a", "admin")
AUDIENCE_OF_A = ("member_a", "staff_a", "admin")


def allowed_to(*roles: str) -> list[tuple[str, bool]]:
    return [(role, role in roles) for role in ROLES]


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    load_reference_sample()
    people = {
        "anonymous": AnonymousUser(),
        "guest": UserFactory(username="invite"),
        "staff_a": UserFactory(username="equipe-a"),
        "coordinator": UserFactory(username="coordination"),
        "admin": AdminFactory(username="admin-instance"),
    }
    place_a = make_place(name="Lieu A", staff=[people["staff_a"]])
    place_b = make_place(name="Lieu B")
    save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "Réseau",
            "slug": "reseau",
            "places": [place_a],
            "coordinators": [people["coordinator"]],
        },
    )
    people["member_a"] = make_member(place_a, username="membre-a")
    people["member_b"] = make_member(place_b, username="membre-b")
    set_sharing(place_a, self_service=True, time_bank_enabled=True, overdraft_minutes=600)
    author = make_member(place_a, username="autrice")
    lender = make_member(place_a, username="emprunteuse")
    free = make_item(place_a, name="Libre")
    lent = make_item(place_a, name="Prêtée")
    loan = services.check_out(actor=SYSTEM, item=lent, borrower=lender)
    post = make_post(author, place=place_a)
    return {
        **people,
        "place_a": place_a,
        "author": author,
        "lender": lender,
        "free": free,
        "lent": lent,
        "loan": loan,
        "post": post,
    }


def attempt(write) -> bool:
    try:
        write()
    except PermissionDenied:
        return False
    return True


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_create_item(world, role, allowed):
    assert (
        attempt(
            lambda: services.create_item(
                actor=world[role], place=world["place_a"], name="Scie", category="tools"
            )
        )
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_update_item(world, role, allowed):
    assert (
        attempt(lambda: services.update_item(actor=world[role], item=world["free"], name="Libre 2"))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_record_repair(world, role, allowed):
    assert (
        attempt(lambda: services.record_repair(actor=world[role], item=world["free"], note="vis"))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_add_photo(world, role, allowed):
    upload = SimpleUploadedFile("p.jpg", image_bytes(size=(40, 30)), content_type="image/jpeg")
    assert (
        attempt(
            lambda: services.add_item_photo(actor=world[role], item=world["free"], upload=upload)
        )
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_change_settings(world, role, allowed):
    assert (
        attempt(
            lambda: services.update_sharing_settings(
                actor=world[role], place=world["place_a"], hold_hours=24
            )
        )
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_set_loan_limit(world, role, allowed):
    plan = make_plan(world["place_a"])
    assert (
        attempt(lambda: services.set_loan_limit(actor=world[role], plan=plan, max_items=2))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_lend_to_a_member(world, role, allowed):
    assert (
        attempt(
            lambda: services.check_out(
                actor=world[role], item=world["free"], borrower=world["author"]
            )
        )
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to("member_a"))
def test_borrow_for_oneself(world, role, allowed):
    assert attempt(lambda: services.check_out(actor=world[role], item=world["free"])) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("member_a"))
def test_reserve_for_oneself(world, role, allowed):
    assert attempt(lambda: services.reserve_item(actor=world[role], item=world["lent"])) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("member_a", *RUNNERS_OF_A))
def test_cancel_a_members_reservation(world, role, allowed):
    reservation = services.reserve_item(actor=world["member_a"], item=world["lent"])
    assert (
        attempt(lambda: services.cancel_reservation(actor=world[role], reservation=reservation))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_renew_someone_elses_loan(world, role, allowed):
    assert attempt(lambda: services.renew_loan(actor=world[role], loan=world["loan"])) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_take_an_item_back(world, role, allowed):
    assert attempt(lambda: services.return_item(actor=world[role], loan=world["loan"])) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_declare_lost(world, role, allowed):
    assert (
        attempt(
            lambda: services.declare_lost(actor=world[role], loan=world["loan"], notes="perdue")
        )
        == allowed
    )


def _post_values():
    return {
        "kind": "offer",
        "category": "service",
        "title": "Covoiturage vers Pau",
        "body": "Le mardi matin.",
        "expires_on": timezone.localdate() + timedelta(days=7),
    }


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*AUDIENCE_OF_A))
def test_post_for_place_a(world, role, allowed):
    assert (
        attempt(
            lambda: services.create_post(
                actor=world[role], place=world["place_a"], **_post_values()
            )
        )
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to("member_a", "member_b", "admin"))
def test_post_for_a_territory(world, role, allowed):
    territory = Territory.objects.filter(level="commune").first()
    assert (
        attempt(
            lambda: services.create_post(actor=world[role], territory=territory, **_post_values())
        )
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*AUDIENCE_OF_A))
def test_answer_a_post(world, role, allowed):
    assert (
        attempt(lambda: services.answer_post(actor=world[role], post=world["post"], body="Oui"))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*AUDIENCE_OF_A))
def test_report_a_post(world, role, allowed):
    assert (
        attempt(lambda: services.report_post(actor=world[role], post=world["post"], reason="spam"))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_hide_a_post(world, role, allowed):
    assert (
        attempt(lambda: services.hide_post(actor=world[role], post=world["post"], reason="spam"))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to())
def test_fulfil_or_withdraw_someone_elses_post(world, role, allowed):
    assert attempt(lambda: services.fulfil_post(actor=world[role], post=world["post"])) == allowed
    assert attempt(lambda: services.withdraw_post(actor=world[role], post=world["post"])) == allowed
    assert services.withdraw_post(actor=world["author"], post=world["post"])


@pytest.mark.parametrize(("role", "allowed"), allowed_to())
def test_write_in_someone_elses_conversation(world, role, allowed):
    conversation = services.answer_post(
        actor=world["lender"], post=world["post"], body="Bonjour"
    ).conversation
    assert (
        attempt(lambda: services.reply(actor=world[role], conversation=conversation, body="moi"))
        == allowed
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to(*RUNNERS_OF_A))
def test_record_hours(world, role, allowed):
    record = lambda: services.record_time_exchange(  # noqa: E731
        actor=world[role],
        place=world["place_a"],
        payer=world["author"],
        payee=world["lender"],
        minutes=30,
        label="aide",
    )
    assert attempt(record) == allowed
