"""A place's staff dashboard: sections registered by the apps, today's bookings, membership
requests to answer, and the week's occupancy."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.bookings.dashboard import occupancy_rows
from maillage.bookings.grid import monday_of
from maillage.common.actors import SYSTEM
from maillage.members import dashboard as registry
from maillage.members.models import Membership
from maillage.places.services import grant_place_role
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_resource, tomorrow_at
from tests.members.factories import make_membership
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


def dashboard_url(place):
    return reverse("bookings:dashboard", args=[place.slug])


def test_the_dashboard_is_for_the_place_s_staff(client, place):
    client.force_login(UserFactory())
    assert client.get(dashboard_url(place)).status_code == 404
    client.logout()
    assert client.get(dashboard_url(place)).status_code == 302


def test_the_sections_come_in_their_order(client, place, staff):
    client.force_login(staff)
    names = [section["name"] for section in client.get(dashboard_url(place)).context["sections"]]
    assert names[:3] == ["reservations-du-jour", "demandes-adhesion", "occupation"]


def test_an_app_adds_its_section(client, place, staff, tmp_path, settings):
    (tmp_path / "here.html").write_text("<h2 id='{{ section }}-title'>Ici : {{ count }}</h2>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}]
    registry.register_section(
        "presence", template="here.html", context=lambda request, place: {"count": 3}, order=40
    )
    try:
        client.force_login(staff)
        html = client.get(dashboard_url(place)).content.decode()
    finally:
        registry.unregister_section("presence")
    assert '<section id="presence"' in html and "Ici : 3" in html


def test_today_s_bookings_name_who_booked(client, place, staff):
    member = UserFactory(first_name="Ada", last_name="Lovelace")
    room = make_resource(place)
    now = timezone.now().astimezone(place.timezone)
    start = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    if start.date() != now.date():
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    make_booking(room, member, start, start + timedelta(minutes=30))
    make_booking(room, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    client.force_login(staff)
    html = client.get(dashboard_url(place)).content.decode()
    assert html.count("Ada Lovelace") == 1


def test_staff_accept_and_refuse_requests_and_come_back(client, place, staff):
    asking, other = UserFactory(), UserFactory()
    accepted = make_membership(place, asking, status=Membership.Status.REQUESTED)
    refused = make_membership(place, other, status=Membership.Status.REQUESTED)
    client.force_login(staff)
    page = client.get(dashboard_url(place))
    html = page.content.decode()
    assert asking.get_username() in html
    for membership, action in ((accepted, "accepter"), (refused, "refuser")):
        url = reverse("members:action", args=[place.slug, membership.pk, action])
        assert f'action="{url}"' in html
        response = client.post(url, {"retour": dashboard_url(place)})
        assert response.status_code == 302 and response["Location"] == dashboard_url(place)
    accepted.refresh_from_db()
    refused.refresh_from_db()
    assert (accepted.status, refused.status) == ("active", "refused")
    assert accepted.decided_by == staff
    assert client.get(dashboard_url(place)).context["sections"][1]["html"].count("<tr>") == 0


def test_occupancy_is_hours_booked_over_bookable_hours(place):
    zone = place.timezone
    room = make_resource(place, name="Salle", opening_hours="Mo-Fr 09:00-17:00")
    desks = make_resource(
        place, name="Plateau", kind="desk", capacity=4, opening_hours="Mo-Fr 09:00-17:00"
    )
    monday = monday_of(timezone.localdate(timezone=zone)) + timedelta(days=7)
    day = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
    bookings = [
        make_booking(room, UserFactory(), day.replace(hour=9), day.replace(hour=13)),
        make_booking(desks, UserFactory(), day.replace(hour=9), day.replace(hour=17), seats=2),
    ]
    rows = occupancy_rows(place, monday, [room, desks], bookings)
    rows = {row["resource"].name: row for row in rows}
    assert (rows["Salle"]["booked_hours"], rows["Salle"]["bookable_hours"]) == (4, 40)
    assert rows["Salle"]["percent"] == 10
    assert (rows["Plateau"]["booked_hours"], rows["Plateau"]["bookable_hours"]) == (16, 160)


def test_the_dashboard_reads_a_constant_number_of_queries(
    client, place, staff, django_assert_max_num_queries
):
    client.force_login(staff)
    client.get(dashboard_url(place))
    # The bookings sections, plus the fixed reads of the sections other apps register
    # (governance, events, sharing, observatory, declarations): none grows with the number of
    # rows.
    with django_assert_max_num_queries(18) as few:
        client.get(dashboard_url(place))
    for number in range(10):
        resource = make_resource(place, name=f"Bureau {number}")
        make_booking(resource, UserFactory(), tomorrow_at(place, 9), tomorrow_at(place, 10))
        make_membership(place, UserFactory(), status=Membership.Status.REQUESTED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(dashboard_url(place))
