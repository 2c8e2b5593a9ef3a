"""Yearly declarations: validation field by field, one per place and year held by the
database, the permission matrix, the audit entry, the prefill from last year."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.declarations import selectors
from maillage.declarations.models import Declaration
from maillage.declarations.services import declare
from maillage.declarations.validation import RANGES, clean_declaration
from tests.accounts.factories import AdminFactory, UserFactory
from tests.declarations.factories import make_declaration
from tests.pages.page_helpers import parse, text
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return UserFactory(username="gestion")


@pytest.fixture
def desk():
    return UserFactory(username="accueil")


@pytest.fixture
def place(manager, desk):
    return make_place(name="La Pépinière", managers=[manager], staff=[desk], surface_m2=300)


def _url(place, year=2025):
    return f"{reverse('declarations:declaration', args=[place.slug])}?annee={year}"


FORM = {
    "revenue_eur": "150000",
    "public_funding_pct": "35",
    "staff_fte": "3,5",
    "volunteers": "8",
    "premises_status": "owned",
    "surface_m2": "320",
}


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("revenue_eur", -1),
        ("revenue_eur", 100_000_001),
        ("public_funding_pct", 101),
        ("public_funding_pct", -5),
        ("staff_fte", "1000.1"),
        ("staff_fte", "deux"),
        ("volunteers", 100_001),
        ("surface_m2", 0),
        ("surface_m2", 100_001),
        ("premises_status", "squat"),
    ],
)
def test_each_field_out_of_range_is_refused_by_name(place, field, value):
    with pytest.raises(ValidationFailed) as caught:
        declare(actor=SYSTEM, place=place, year=2025, values={field: value})
    assert [error.field for error in caught.value.errors] == [field]
    assert not Declaration.objects.exists()


def test_every_wrong_field_is_named_at_once_and_nothing_is_written(place):
    with pytest.raises(ValidationFailed) as caught:
        declare(
            actor=SYSTEM,
            place=place,
            year=2025,
            values={"revenue_eur": 10, "public_funding_pct": 300, "surface_m2": -2},
        )
    assert {error.field for error in caught.value.errors} == {"public_funding_pct", "surface_m2"}
    assert not Declaration.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="declaration.").exists()


def test_a_year_out_of_range_is_refused(place):
    with pytest.raises(ValidationFailed) as caught:
        declare(actor=SYSTEM, place=place, year=1999, values={})
    assert caught.value.errors[0].field == "year"


def test_blanks_are_kept_as_not_answered(place):
    declaration = declare(
        actor=SYSTEM, place=place, year=2025, values={"volunteers": "", "surface_m2": None}
    )
    assert declaration.volunteers is None
    assert declaration.surface_m2 is None
    assert declaration.premises_status == ""


@settings(max_examples=60, deadline=None)
@given(value=st.integers(min_value=-(10**9), max_value=10**9))
def test_the_validator_accepts_exactly_the_range(value):
    low, high = RANGES["public_funding_pct"]
    if low <= value <= high:
        assert clean_declaration({"public_funding_pct": value})["public_funding_pct"] == value
    else:
        with pytest.raises(ValidationFailed):
            clean_declaration({"public_funding_pct": value})


def test_the_database_refuses_a_range_the_validator_would_refuse(place):
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(place=place, year=2025, public_funding_pct=150)


# --- one per place and year ---------------------------------------------------------------


def test_declaring_a_year_again_corrects_it_and_audits_the_change(place, manager):
    make_declaration(place, 2025, volunteers=12)
    declare(actor=manager, place=place, year=2025, values={"volunteers": 15})
    assert Declaration.objects.filter(place=place, year=2025).count() == 1
    declaration = Declaration.objects.get(place=place, year=2025)
    assert declaration.volunteers == 15
    assert declaration.declared_by == manager
    entry = AuditEntry.objects.filter(action="declaration.update").get()
    assert entry.changes["volunteers"] == [12, 15]


def test_the_database_holds_one_declaration_per_place_and_year(place):
    make_declaration(place, 2025)
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(place=place, year=2025)
    make_declaration(place, 2024)
    assert Declaration.objects.filter(place=place).count() == 2


def test_the_first_declaration_is_audited(place, manager):
    declaration = declare(actor=manager, place=place, year=2025, values={"staff_fte": "2.5"})
    assert declaration.staff_fte == Decimal("2.5")
    entry = AuditEntry.objects.get(action="declaration.create")
    assert entry.changes["staff_fte"] == [None, "2.5"]
    assert entry.changes["year"] == [None, 2025]


# --- permissions --------------------------------------------------------------------------


def test_only_managers_and_admins_declare_through_the_service(place, manager, desk):
    with pytest.raises(PermissionDenied):
        declare(actor=desk, place=place, year=2025, values={})
    with pytest.raises(PermissionDenied):
        declare(actor=UserFactory(), place=place, year=2025, values={})
    declare(actor=manager, place=place, year=2025, values={})
    declare(actor=AdminFactory(), place=place, year=2024, values={})


@pytest.mark.parametrize(
    "case",
    [
        ("anonymous", 302, 302),
        ("stranger", 404, 404),
        ("manager_elsewhere", 404, 404),
        ("desk", 200, 403),
        ("manager", 200, 302),
        ("admin", 200, 302),
    ],
)
def test_the_page_permission_matrix(client, place, manager, desk, case):
    who, get_status, post_status = case
    users = {
        "stranger": UserFactory,
        "manager_elsewhere": lambda: (
            make_place(name="Ailleurs", managers=[UserFactory(username="autre")]).roles.get().user
        ),
        "desk": lambda: desk,
        "manager": lambda: manager,
        "admin": AdminFactory,
    }
    if who != "anonymous":
        client.force_login(users[who]())
    assert client.get(_url(place)).status_code == get_status
    response = client.post(_url(place), FORM)
    assert response.status_code == post_status
    assert Declaration.objects.exists() is (post_status == 302 and who != "anonymous")


def test_a_manager_declares_from_the_page(client, place, manager):
    client.force_login(manager)
    response = client.post(_url(place), FORM)
    assert response.status_code == 302
    declaration = Declaration.objects.get()
    assert (declaration.year, declaration.staff_fte, declaration.premises_status) == (
        2025,
        Decimal("3.5"),
        "owned",
    )


def test_the_page_shows_errors_next_to_their_field_and_writes_nothing(client, place, manager):
    client.force_login(manager)
    page = parse(
        client.post(_url(place), {**FORM, "public_funding_pct": "140", "surface_m2": "0"}), 422
    )
    errors = {
        block.select_one("input, select")["name"]: text(block.select_one(".errorlist"))
        for block in page.select(".field.has-error")
    }
    assert set(errors) == {"public_funding_pct", "surface_m2"}
    assert not Declaration.objects.exists()


# --- prefill ------------------------------------------------------------------------------


def test_the_form_is_prefilled_with_last_years_answers(client, place, manager):
    make_declaration(place, 2024, volunteers=9, premises_status="provided_free")
    client.force_login(manager)
    page = parse(client.get(_url(place, 2025)))
    assert page.select_one("input[name=volunteers]")["value"] == "9"
    assert page.select_one("select[name=premises_status] option[selected]")["value"] == (
        "provided_free"
    )
    assert "2024" in text(page.select_one(".notice"))


def test_the_initial_values_prefer_this_year_then_the_latest_earlier_then_the_place(place):
    assert selectors.initial_values(place, 2025) == ({"surface_m2": 300}, None)
    make_declaration(place, 2022, volunteers=3)
    make_declaration(place, 2023, volunteers=5)
    values, year = selectors.initial_values(place, 2025)
    assert (values["volunteers"], year) == (5, 2023)
    make_declaration(place, 2025, volunteers=7)
    assert selectors.initial_values(place, 2025)[0]["volunteers"] == 7


def test_the_page_shows_what_maillage_computes_beside_the_form(client, place, manager):
    client.force_login(manager)
    page = parse(client.get(_url(place)))
    assert "300" in text(page.select_one("#calcule-surface_m2"))
    # The manager and the desk: two people in the team.
    assert "2" in text(page.select_one("#calcule-staff_fte"))


def test_the_desk_sees_the_declaration_read_only(client, place, desk):
    make_declaration(place, 2025)
    client.force_login(desk)
    page = parse(client.get(_url(place)))
    assert page.select_one("input[name=volunteers]").has_attr("disabled")
    assert page.select_one("#declaration button[type=submit]") is None


def test_the_page_reads_a_fixed_number_of_queries(
    client, place, manager, django_assert_max_num_queries
):
    for year in range(2018, 2025):
        make_declaration(place, year)
    client.force_login(manager)
    with django_assert_max_num_queries(14):
        assert client.get(_url(place)).status_code == 200
