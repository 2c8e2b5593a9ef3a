"""What check-ins adds to other apps' pages: « Qui est là » on the staff dashboard, « Mes
présences » on the member's page, and the place panel's staff links."""

import pytest
from django.urls import reverse

from maillage.members import dashboard, member_page
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_checkin, make_member
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(name="La Fabrique", staff=[UserFactory(username="desk")])


@pytest.fixture
def desk_user(place):
    return place.roles.get(role="staff").user


def test_the_sections_are_registered_from_the_app_config():
    assert "qui-est-la" in [section.name for section in dashboard.sections()]
    assert "presences" in [section.key for section in member_page.sections()]


def test_the_dashboard_shows_who_is_here_with_the_desk_links(
    client, place, desk_user, django_assert_max_num_queries
):
    for index in range(3):
        make_checkin(place, make_member(place, first_name=f"Personne{index}", last_name="Ici"))
    client.force_login(desk_user)
    response = client.get(reverse("bookings:dashboard", args=[place.slug]))
    html = response.content.decode()
    assert 'id="qui-est-la"' in html and "Qui est là" in html
    assert "Personne0 Ici" in html and "Personne2 Ici" in html
    assert reverse("checkins:tablet", args=[place.slug]) in html
    assert reverse("checkins:desk", args=[place.slug]) in html
    with django_assert_max_num_queries(30):
        client.get(reverse("bookings:dashboard", args=[place.slug]))
    for index in range(3, 8):
        make_checkin(place, make_member(place, first_name=f"Personne{index}"))
    with django_assert_max_num_queries(30):
        client.get(reverse("bookings:dashboard", args=[place.slug]))


def test_the_member_page_shows_my_presences(client, place):
    member = make_member(place)
    client.force_login(member)
    html = client.get(reverse("members:my_space")).content.decode()
    assert "Mes présences" in html and "Aucune présence enregistrée." in html
    make_checkin(place, member)
    html = client.get(reverse("members:my_space")).content.decode()
    assert "Vous êtes à La Fabrique" in html
    assert reverse("checkins:mine") in html


def test_the_place_panel_links_staff_to_the_place_s_running_pages(client, place, desk_user):
    links = [
        reverse("checkins:presence", args=[place.slug]),
        reverse("checkins:tablet", args=[place.slug]),
        reverse("organisations:list", args=[place.slug]),
        reverse("bookings:qualifications", args=[place.slug]),
        reverse("governance:place", args=[place.slug]),
    ]
    client.force_login(desk_user)
    html = client.get(reverse("places:detail", args=[place.slug])).content.decode()
    assert all(link in html for link in links)
    client.force_login(make_member(place))
    html = client.get(reverse("places:detail", args=[place.slug])).content.decode()
    assert not any(link in html for link in links[1:4])
