"""The organisations pages for a place's operators, the commuting page, and the personal data
of organisation links and commuting."""

from datetime import date

import pytest
from django.urls import reverse

from maillage.accounts.personal_data import erase_person, export_person
from maillage.common.actors import SYSTEM
from maillage.organisations import services
from maillage.organisations.models import CommutingDeclaration, HeadcountDeclaration, Organisation
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_member
from tests.organisations.factories import SIRET, make_organisation
from tests.pages.page_helpers import parse, text
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(name="La Pépinière", staff=[UserFactory(username="desk")])


@pytest.fixture
def desk_user(place):
    return place.roles.get(role="staff").user


def test_the_list_shows_hosted_organisations_with_their_latest_headcount(
    client, place, desk_user, django_assert_max_num_queries
):
    for number in range(5):
        organisation = make_organisation(place, name=f"Structure {number}")
        services.declare_headcount(
            actor=SYSTEM,
            organisation=organisation,
            declared_on=date(2026, 9, 30),
            employees=3,
            employees_local=2,
        )
    client.force_login(desk_user)
    with django_assert_max_num_queries(10):
        page = parse(client.get(reverse("organisations:list", args=[place.slug])))
    rows = page.select("tbody tr")
    assert len(rows) == 5
    assert "3 emplois dont 2 sur le territoire" in text(rows[0])


def test_staff_add_an_organisation_from_the_list_and_see_field_errors(client, place, desk_user):
    client.force_login(desk_user)
    url = reverse("organisations:list", args=[place.slug])
    page = parse(
        client.post(
            url,
            {
                "name": "X",
                "siret": "12345678901234",
                "kind": "incubation",
                "start_date": "2026-01-05",
            },
        ),
        422,
    )
    assert "SIRET" in text(page.select_one(".errorlist"))
    response = client.post(
        url,
        {"name": "Studio Ours", "siret": SIRET, "kind": "incubation", "start_date": "2026-01-05"},
    )
    organisation = Organisation.objects.get(name="Studio Ours")
    assert response.status_code == 302
    assert organisation.siren == SIRET[:9]


def test_the_detail_page_records_a_headcount_and_a_person(client, place, desk_user):
    organisation = make_organisation(place)
    client.force_login(desk_user)
    url = reverse("organisations:detail", args=[place.slug, organisation.pk])
    assert "Atelier Bois" in text(parse(client.get(url)))
    client.post(
        url,
        {
            "action": "headcount",
            "declared_on": "2026-09-30",
            "employees": "4",
            "employees_local": "3",
        },
    )
    assert HeadcountDeclaration.objects.get().employees == 4
    page = parse(
        client.post(
            url,
            {
                "action": "headcount",
                "declared_on": "2026-10-30",
                "employees": "1",
                "employees_local": "3",
            },
        ),
        422,
    )
    assert page.select(".errorlist")
    client.post(url, {"action": "person", "name": "Zoé", "role": "founder"})
    assert organisation.people.get().name == "Zoé"
    client.post(url, {"action": "update", "name": "Atelier Bois et Fer"})
    organisation.refresh_from_db()
    assert organisation.name == "Atelier Bois et Fer"
    hosting = organisation.hostings.get()
    client.post(url, {"action": "end_hosting", "hosting_id": hosting.pk})
    hosting.refresh_from_db()
    assert hosting.end_date is not None


def test_people_who_do_not_run_the_place_get_404(client, place):
    organisation = make_organisation(place)
    client.force_login(make_member(place))
    assert client.get(reverse("organisations:list", args=[place.slug])).status_code == 404
    other = make_place(name="Ailleurs", staff=[UserFactory()])
    client.force_login(other.roles.get().user)
    url = reverse("organisations:detail", args=[other.slug, organisation.pk])
    assert client.get(url).status_code == 404


def test_a_member_declares_their_commuting_on_their_page(client):
    person = UserFactory()
    client.force_login(person)
    url = reverse("organisations:commuting")
    assert parse(client.get(url)).find("label", string=lambda s: s and "INSEE" in s)
    parse(client.post(url, {"home_commune": "00000"}), 422)
    response = client.post(
        url,
        {
            "home_commune": "64348",
            "teleworks": "on",
            "employer_commune": "75056",
            "transport_mode": "car",
        },
    )
    assert response.status_code == 302
    assert CommutingDeclaration.objects.get(user=person).transport_mode == "car"


def test_commuting_and_organisation_links_are_exported_then_erased(place):
    person = UserFactory()
    organisation = make_organisation(place)
    services.link_person(
        actor=SYSTEM, organisation=organisation, role="founder", user=person, name="Ada Lovelace"
    )
    services.declare_commuting(actor=person, home_commune="64348", transport_mode="bike")
    exported = export_person(person)["organisations"]
    assert exported["commuting"]["home_commune"] == "64348"
    assert exported["organisations"][0]["role"] == "founder"
    erase_person(person)
    person.delete()
    assert not CommutingDeclaration.objects.exists()
    link = organisation.people.get()
    assert (link.user, link.name, link.role) == (None, "", "founder")
