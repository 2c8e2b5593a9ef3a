"""The demo accounts: deterministic, idempotent, never in production."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from maillage.accounts.models import User
from maillage.devtools import demo_members
from maillage.devtools.demo_members import (
    DEMO_MANAGER,
    DEMO_MEMBER,
    DEMO_PASSWORD,
    DEMO_STAFF,
    load_demo_members,
)
from maillage.members.models import Charge, Membership, Plan
from maillage.places.models import PlaceRole
from tests.factories import make_place

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 1)


@pytest.fixture
def demo_places():
    """Stand-ins for the demo places around Pau (source "demo"), one far away."""
    near = [
        make_place(
            name=f"Démo {index}",
            source="demo",
            source_id=f"demo-{index:03d}",
            latitude=43.2951 + index / 100,
            longitude=-0.3708,
        )
        for index in range(14)
    ]
    make_place(
        name="Loin",
        source="demo",
        source_id="demo-far",
        insee_code="75056",
        latitude=48.85,
        longitude=2.35,
    )
    return near


def snapshot():
    return (
        sorted(User.objects.values_list("username", "email", "password")),
        sorted(PlaceRole.objects.values_list("place_id", "user__username", "role")),
        sorted(Plan.objects.values_list("place_id", "name", "price_cents", "period")),
        sorted(
            Membership.objects.values_list(
                "place_id", "user__username", "status", "plan__name", "start_date"
            )
        ),
        sorted(Charge.objects.values_list("reference", "amount_cents")),
    )


def test_the_demo_accounts_and_their_places(demo_places):
    report = load_demo_members(today=TODAY)
    assert report.places == 12
    twelve = {place.pk for place in demo_places[:12]}
    for username, role in ((DEMO_STAFF, "staff"), (DEMO_MANAGER, "manager")):
        roles = PlaceRole.objects.filter(user__username=username)
        assert {r.place_id for r in roles} == twelve and {r.role for r in roles} == {role}
    active = Membership.objects.filter(user__username=DEMO_MEMBER, status="active")
    assert active.count() == 3
    assert {m.plan.name for m in active} == {"Mensuel"}
    assert all(m.place_id in twelve for m in active)
    assert Membership.objects.filter(status="requested").count() >= 2
    assert Membership.objects.filter(in_directory=True).exists()
    assert Charge.objects.filter(period_start=date(2026, 11, 1)).exists()
    signed_in = Client().post(
        "/comptes/connexion/", {"username": DEMO_MEMBER, "password": DEMO_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_a_second_load_changes_nothing(demo_places):
    load_demo_members(today=TODAY)
    before = snapshot()
    report = load_demo_members(today=TODAY)
    assert (report.plans_created, report.memberships_created, report.charges_created) == (0, 0, 0)
    assert snapshot() == before


def test_users_made_first_by_another_demo_are_reused(demo_places):
    existing = User.objects.create(username=DEMO_MEMBER, email="autre@example.org")
    load_demo_members(today=TODAY)
    member = User.objects.get(username=DEMO_MEMBER)
    assert member.pk == existing.pk and member.check_password(DEMO_PASSWORD)


def test_load_demo_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("load_demo", stdout=StringIO())
    assert not User.objects.filter(username__startswith="demo-").exists()


def test_make_run_and_the_readme_give_the_credentials():
    from pathlib import Path

    root = Path(demo_members.__file__).resolve().parents[2]
    for name in ("Makefile", "README.md"):
        text = (root / name).read_text()
        assert DEMO_PASSWORD in text, name
        for username in (DEMO_MEMBER, DEMO_STAFF, DEMO_MANAGER):
            assert username in text, (name, username)
