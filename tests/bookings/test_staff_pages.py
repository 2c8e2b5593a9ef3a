"""The staff pages of a place's bookings set-up: qualifications (create, grant, revoke), the
« Mes habilitations » section of the member's page, and creating / editing resources."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.bookings.models import Qualification, QualificationGrant, Resource
from maillage.common.actors import SYSTEM
from maillage.places.services import grant_place_role
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_qualification, make_resource
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory()


@pytest.fixture
def place(staff):
    place = make_place()
    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    return place


@pytest.fixture
def member(place):
    person = UserFactory(first_name="Ada", last_name="Lovelace")
    make_membership(place, person)
    return person


@pytest.fixture
def laser(place):
    return make_qualification(place, name="Découpe laser", training="Initiation laser, 2 h")


def qualifications_url(place):
    return reverse("bookings:qualifications", args=[place.slug])


def grant_url(place, qualification):
    return reverse("bookings:grant", args=[place.slug, qualification.pk])


def today(place):
    return timezone.localdate(timezone=place.timezone)


# --- permissions ---------------------------------------------------------------------------------


def test_staff_pages_send_anonymous_people_to_log_in(client, place, laser):
    resource = make_resource(place)
    for url in (
        qualifications_url(place),
        reverse("bookings:resource_create", args=[place.slug]),
        reverse("bookings:resource_edit", args=[place.slug, resource.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_staff_pages_are_404_for_members_and_other_people(client, place, member, laser):
    resource = make_resource(place)
    grant = QualificationGrant.objects.create(
        qualification=laser, user=member, source="direct", granted_on=today(place)
    )
    for person in (member, UserFactory()):
        client.force_login(person)
        assert client.get(qualifications_url(place)).status_code == 404
        assert client.post(qualifications_url(place), {"name": "X"}).status_code == 404
        grant_data = {f"q{laser.pk}-user": member.pk}
        assert client.post(grant_url(place, laser), grant_data).status_code == 404
        assert (
            client.post(reverse("bookings:revoke", args=[place.slug, grant.pk])).status_code == 404
        )
        assert client.get(reverse("bookings:resource_create", args=[place.slug])).status_code == 404
        edit_url = reverse("bookings:resource_edit", args=[place.slug, resource.pk])
        assert client.get(edit_url).status_code == 404
    grant.refresh_from_db()
    assert grant.revoked_at is None
    assert not Qualification.objects.filter(name="X").exists()


def test_another_place_s_qualification_or_resource_is_404(client, place, staff):
    elsewhere = make_place()
    foreign = make_qualification(elsewhere)
    foreign_resource = make_resource(elsewhere)
    client.force_login(staff)
    assert client.post(grant_url(place, foreign), {}).status_code == 404
    assert (
        client.get(
            reverse("bookings:resource_edit", args=[place.slug, foreign_resource.pk])
        ).status_code
        == 404
    )


# --- qualifications ------------------------------------------------------------------------------


def test_staff_see_qualifications_their_training_resources_and_grants(
    client, place, staff, member, django_assert_max_num_queries
):
    laser = make_qualification(place, name="Découpe laser", training="Initiation laser, 2 h")
    make_resource(place, name="Découpeuse laser", kind="machine", required_qualification=laser)
    QualificationGrant.objects.create(
        qualification=laser,
        user=member,
        source="direct",
        granted_on=today(place),
        expires_on=today(place) + timedelta(days=30),
    )
    for index in range(3):
        other = make_qualification(place, name=f"Machine {index}")
        QualificationGrant.objects.create(
            qualification=other, user=UserFactory(), source="direct", granted_on=today(place)
        )
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        response = client.get(qualifications_url(place))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Initiation laser, 2 h" in html and "Découpeuse laser" in html
    assert "Ada Lovelace" in html and "<caption>" in html
    assert (today(place) + timedelta(days=30)).strftime("%d/%m/%Y") in html


def test_staff_create_a_qualification(client, place, staff):
    client.force_login(staff)
    response = client.post(
        qualifications_url(place),
        {"name": "Imprimante 3D", "training": "Atelier 3D", "validity_days": "365"},
    )
    assert response.status_code == 302
    created = Qualification.objects.get(place=place, name="Imprimante 3D")
    assert created.training == "Atelier 3D" and created.validity_days == 365


def test_a_refused_qualification_is_shown_by_its_field(client, place, staff, laser):
    client.force_login(staff)
    response = client.post(qualifications_url(place), {"name": "Découpe laser"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["Ce lieu a déjà une habilitation de ce nom."]
    assert Qualification.objects.filter(place=place).count() == 1


def test_staff_grant_a_qualification_to_an_active_member_and_revoke_it(
    client, place, staff, member, laser
):
    client.force_login(staff)
    page = client.get(qualifications_url(place)).content.decode()
    assert f'value="{member.pk}"' in page
    expiry = today(place) + timedelta(days=10)
    response = client.post(
        grant_url(place, laser),
        {f"q{laser.pk}-user": member.pk, f"q{laser.pk}-expires_on": expiry.isoformat()},
    )
    assert response.status_code == 302
    grant = QualificationGrant.objects.get(qualification=laser, user=member)
    assert grant.expires_on == expiry and grant.granted_by == staff
    response = client.post(reverse("bookings:revoke", args=[place.slug, grant.pk]))
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    again = client.post(reverse("bookings:revoke", args=[place.slug, grant.pk]), follow=True)
    assert "Cette habilitation est déjà retirée." in again.content.decode()


def test_only_active_members_can_be_chosen(client, place, staff, laser):
    outsider = UserFactory()
    client.force_login(staff)
    response = client.post(grant_url(place, laser), {f"q{laser.pk}-user": outsider.pk})
    assert response.status_code == 400
    form = response.context["qualifications"][0].grant_form
    assert "user" in form.errors
    assert not QualificationGrant.objects.exists()


def test_a_refused_grant_is_shown_by_its_field(client, place, staff, member, laser):
    client.force_login(staff)
    past = today(place) - timedelta(days=1)
    response = client.post(
        grant_url(place, laser),
        {f"q{laser.pk}-user": member.pk, f"q{laser.pk}-expires_on": past.isoformat()},
    )
    assert response.status_code == 400
    form = response.context["qualifications"][0].grant_form
    assert form.errors["expires_on"] == ["L'expiration ne peut précéder l'attribution."]
    assert not QualificationGrant.objects.exists()


def test_the_member_page_lists_valid_qualifications_and_what_they_open(
    client, place, member, laser
):
    machine = make_resource(
        place, name="Découpeuse laser", kind="machine", required_qualification=laser
    )
    client.force_login(member)
    url = reverse("members:my_space")
    assert "Mes habilitations" not in client.get(url).content.decode()
    QualificationGrant.objects.create(
        qualification=laser, user=member, source="direct", granted_on=today(place)
    )
    html = client.get(url).content.decode()
    assert "Mes habilitations" in html and "Découpe laser" in html
    assert reverse("bookings:week", args=[machine.pk]) in html


# --- resources -----------------------------------------------------------------------------------

RESOURCE = {
    "name": "Salle Aneto",
    "kind": "meeting_room",
    "description": "",
    "capacity": "8",
    "opening_hours": "Mo-Fr 09:00-18:00",
    "min_duration_minutes": "30",
    "max_duration_minutes": "240",
    "slot_step_minutes": "30",
    "max_advance_days": "60",
    "cancellation_deadline_hours": "2",
    "bookable_by": "members",
    "member_price_cents_per_hour": "0",
    "public_price_cents_per_hour": "1500",
    "required_qualification": "",
    "is_active": "on",
}


def test_staff_create_a_resource(client, place, staff, laser):
    client.force_login(staff)
    assert client.get(reverse("bookings:resource_create", args=[place.slug])).status_code == 200
    data = {**RESOURCE, "required_qualification": str(laser.pk)}
    response = client.post(reverse("bookings:resource_create", args=[place.slug]), data)
    assert response.status_code == 302
    resource = Resource.objects.get(place=place, name="Salle Aneto")
    assert resource.capacity == 8 and resource.required_qualification == laser
    assert resource.public_price_cents_per_hour == 1500 and resource.is_active


def test_a_refused_resource_is_shown_by_its_field(client, place, staff):
    client.force_login(staff)
    data = {
        **RESOURCE,
        "opening_hours": "n'importe quoi",
        "min_duration_minutes": "60",
        "max_duration_minutes": "30",
    }
    response = client.post(reverse("bookings:resource_create", args=[place.slug]), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "opening_hours" in errors and "max_duration_minutes" in errors
    assert not Resource.objects.filter(place=place).exists()


def test_staff_edit_a_resource_from_the_resources_page(client, place, staff):
    resource = make_resource(place, name="Salle Pyrène")
    client.force_login(staff)
    listing = client.get(reverse("bookings:place_resources", args=[place.slug])).content.decode()
    edit_url = reverse("bookings:resource_edit", args=[place.slug, resource.pk])
    assert edit_url in listing
    assert reverse("bookings:resource_create", args=[place.slug]) in listing
    form = client.get(edit_url).context["form"]
    assert form.initial["name"] == "Salle Pyrène"
    data = {**RESOURCE, "name": "Salle Vignemale", "capacity": "1"}
    data.pop("is_active")
    assert client.post(edit_url, data).status_code == 302
    resource.refresh_from_db()
    assert resource.name == "Salle Vignemale" and not resource.is_active


def test_members_see_no_edit_links(client, place, member):
    make_resource(place)
    client.force_login(member)
    listing = client.get(reverse("bookings:place_resources", args=[place.slug])).content.decode()
    assert "/modifier/" not in listing and "nouvelle" not in listing


def test_the_qualifications_page_speaks_english(client, place, staff, laser):
    client.force_login(staff)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(qualifications_url(place)).content.decode()
    assert "Qualifications — " in html and "Grant to a member" in html
    assert "New qualification" in html and "Required training" in html


def test_the_resource_form_sets_and_clears_the_allowed_plans(client, place, staff):
    resident = make_plan(place, name="Résident")
    make_plan(place, name="Nomade")
    client.force_login(staff)
    data = {**RESOURCE, "allowed_plans": [str(resident.pk)]}
    create_url = reverse("bookings:resource_create", args=[place.slug])
    assert client.post(create_url, data).status_code == 302
    resource = Resource.objects.get(place=place, name="Salle Aneto")
    assert list(resource.allowed_plans.all()) == [resident]
    edit_url = reverse("bookings:resource_edit", args=[place.slug, resource.pk])
    assert client.get(edit_url).context["form"].initial["allowed_plans"] == [str(resident.pk)]
    assert client.post(edit_url, RESOURCE).status_code == 302
    assert not resource.allowed_plans.exists()
