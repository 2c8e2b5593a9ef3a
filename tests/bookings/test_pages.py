"""The booking pages: a resource's week, booking from it, « Mes réservations », a place's day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.bookings.models import Booking, BookingStatus
from maillage.members.models import Membership
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_qualification, make_resource, tomorrow_at
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

HOURS = "Mo-Su 08:00-18:00"


@pytest.fixture
def place():
    return make_place()


@pytest.fixture
def room(place):
    return make_resource(place, name="Salle Ossau", opening_hours=HOURS)


@pytest.fixture
def member(place):
    person = UserFactory(first_name="Ada", last_name="Lovelace")
    make_membership(place, person)
    return person


def week_url(resource, day=None):
    url = reverse("bookings:week", args=[resource.pk])
    return f"{url}?semaine={day.isoformat()}" if day else url


def tomorrow(place):
    return timezone.localdate(timezone=place.timezone) + timedelta(days=1)


def test_the_week_is_a_table_of_slots_on_the_place_s_clock(client, place, room):
    response = client.get(week_url(room, tomorrow(place)))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<caption>" in html and 'scope="col"' in html and 'scope="row"' in html
    assert "08:00–08:30" in html and "17:30–18:00" in html and "18:00–18:30" not in html
    grid = response.context["grid"]
    assert len(grid.columns) == 7 and len(grid.rows) == 20


def test_taken_slots_show_no_name_to_other_people(client, place, room, member):
    make_booking(room, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    someone = UserFactory()
    client.force_login(someone)
    html = client.get(week_url(room, tomorrow(place))).content.decode()
    assert "Réservé" in html and "Lovelace" not in html
    client.force_login(member)
    assert "Votre réservation" in client.get(week_url(room, tomorrow(place))).content.decode()


def test_staff_see_who_booked(client, place, room, member):
    staff = UserFactory()
    from maillage.common.actors import SYSTEM
    from maillage.places.services import grant_place_role

    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    make_booking(room, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    client.force_login(staff)
    assert "Ada Lovelace" in client.get(week_url(room, tomorrow(place))).content.decode()


def test_weeks_are_links_without_javascript_and_a_fragment_for_htmx(client, place, room):
    day = tomorrow(place)
    page = client.get(week_url(room, day))
    monday = day - timedelta(days=day.weekday())
    assert page.context["next_url"].endswith(f"?semaine={(monday + timedelta(days=7))}")
    assert page.context["previous_url"].endswith(f"?semaine={(monday - timedelta(days=7))}")
    fragment = client.get(
        page.context["next_url"], headers={"HX-Request": "true", "HX-Target": "grille-semaine"}
    )
    html = fragment.content.decode()
    assert fragment.status_code == 200
    assert html.lstrip().startswith("<section") and "<html" not in html
    assert "HX-Request" in fragment["Vary"]


def test_the_week_reads_a_constant_number_of_queries(
    client, place, room, member, django_assert_max_num_queries
):
    client.force_login(member)
    client.get(week_url(room, tomorrow(place)))  # session, caches
    with django_assert_max_num_queries(8) as few:
        client.get(week_url(room, tomorrow(place)))
    for hour in range(8, 17):
        make_booking(room, UserFactory(), tomorrow_at(place, hour), tomorrow_at(place, hour, 30))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(week_url(room, tomorrow(place)))


def test_a_free_slot_links_to_the_form_prefilled(client, place, room, member):
    client.force_login(member)
    page = client.get(week_url(room, tomorrow(place)))
    cell = next(c for row in page.context["grid"].rows for c in row.cells if c.is_free)
    assert cell.link
    prefilled = client.get(cell.link)
    form = prefilled.context["form"]
    assert form.initial["start"] == cell.start.strftime("%H:%M")
    assert str(form.initial["end"])[:5] == (cell.start + timedelta(minutes=30)).strftime("%H:%M")


def book(client, resource, day, start, end):
    return client.post(
        reverse("bookings:book", args=[resource.pk]),
        {"day": day.isoformat(), "start": start, "end": end},
    )


def test_a_member_books_from_the_page(client, place, room, member):
    client.force_login(member)
    response = book(client, room, tomorrow(place), "10:00", "11:00")
    assert response.status_code == 302 and response["Location"] == reverse("bookings:mine")
    booking = Booking.objects.get()
    assert booking.user == member and booking.booked_by == member
    assert booking.start == tomorrow_at(place, 10)


def test_a_taken_slot_answers_409_with_the_conflict(client, place, room, member):
    make_booking(room, UserFactory(), tomorrow_at(place, 10), tomorrow_at(place, 11))
    client.force_login(member)
    response = book(client, room, tomorrow(place), "10:30", "11:30")
    assert response.status_code == 409
    assert response.context["form"].non_field_errors()


def test_refusals_show_by_field(client, place, room, member):
    client.force_login(member)
    response = book(client, room, tomorrow(place), "10:00", "10:10")
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors and set(form.errors) <= {"day", "start", "end", "__all__"}
    response = book(client, room, tomorrow(place), "11:00", "10:00")
    assert response.context["form"].errors["end"] == ["La fin doit venir après le début."]


def test_refusals_are_in_the_person_s_language(client, place, room, member):
    client.force_login(member)
    client.cookies["django_language"] = "en"
    response = book(client, room, tomorrow(place), "11:00", "10:00")
    assert response.context["form"].errors["end"] == ["The end must come after the start."]


def test_a_machine_needing_a_training_says_which(client, place, member):
    laser = make_resource(
        place,
        name="Découpe laser",
        kind="machine",
        opening_hours=HOURS,
        required_qualification=make_qualification(place),
    )
    client.force_login(member)
    response = book(client, laser, tomorrow(place), "10:00", "11:00")
    assert response.status_code == 400
    assert "Initiation découpe laser" in " ".join(response.context["form"].non_field_errors())
    assert not Booking.objects.exists()


def test_booking_needs_an_account(client, place, room):
    response = book(client, room, tomorrow(place), "10:00", "11:00")
    assert response.status_code == 302 and "/comptes/connexion/" in response["Location"]


def test_my_bookings_lists_cancels_and_changes(client, place, room, member):
    booking = make_booking(room, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    client.force_login(member)
    page = client.get(reverse("bookings:mine"))
    assert [b.pk for b in page.context["coming"]] == [booking.pk]
    assert room in page.context["resources"]
    moved = client.post(
        reverse("bookings:change", args=[booking.pk]),
        {"day": tomorrow(place).isoformat(), "start": "14:00", "end": "15:00"},
    )
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.start == tomorrow_at(place, 14)
    client.post(reverse("bookings:cancel", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    page = client.get(reverse("bookings:mine"))
    assert page.context["coming"] == [] and [b.pk for b in page.context["past"]] == [booking.pk]


def test_someone_else_s_booking_is_not_found(client, place, room, member):
    booking = make_booking(room, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    client.force_login(UserFactory())
    assert client.post(reverse("bookings:cancel", args=[booking.pk])).status_code == 404
    assert client.get(reverse("bookings:change", args=[booking.pk])).status_code == 404


def test_the_day_view_is_for_staff_with_constant_queries(
    client, place, member, django_assert_max_num_queries
):
    staff = UserFactory()
    from maillage.common.actors import SYSTEM
    from maillage.places.services import grant_place_role

    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    url = reverse("bookings:place_day", args=[place.slug]) + f"?jour={tomorrow(place)}"
    client.force_login(member)
    assert client.get(url).status_code == 404
    client.force_login(staff)
    first = make_resource(place, name="Bureau 1", opening_hours=HOURS)
    make_booking(first, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    client.get(url)
    with django_assert_max_num_queries(10) as few:
        assert "Ada Lovelace" in client.get(url).content.decode()
    for number in range(2, 31):
        resource = make_resource(place, name=f"Bureau {number}", opening_hours=HOURS)
        make_booking(resource, member, tomorrow_at(place, 11), tomorrow_at(place, 12))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["grid"].columns) == 30


def test_the_resources_of_a_place_link_to_their_weeks(client, place, room):
    html = client.get(reverse("bookings:place_resources", args=[place.slug])).content.decode()
    assert week_url(room) in html


def test_an_unreadable_week_is_not_found(client, room):
    url = reverse("bookings:week", args=[room.pk]) + "?semaine=demain"
    assert client.get(url).status_code == 404


def test_a_requested_member_is_not_offered_resources(client, place, room):
    person = UserFactory()
    make_membership(place, person, status=Membership.Status.REQUESTED)
    client.force_login(person)
    assert list(client.get(reverse("bookings:mine")).context["resources"]) == []


def test_my_space_shows_the_next_bookings_and_the_feed(client, place, room, member):
    make_booking(room, member, tomorrow_at(place, 9), tomorrow_at(place, 10))
    client.force_login(member)
    html = client.get(reverse("members:my_space")).content.decode()
    assert 'id="section-reservations"' in html and "Salle Ossau" in html
    assert 'id="section-agenda"' in html and reverse("bookings:feeds") in html


def test_the_day_view_swaps_its_grid_for_htmx(client, place, room):
    staff = UserFactory()
    from maillage.common.actors import SYSTEM
    from maillage.places.services import grant_place_role

    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    client.force_login(staff)
    page = client.get(reverse("bookings:place_day", args=[place.slug]))
    fragment = client.get(
        page.context["next_url"], headers={"HX-Request": "true", "HX-Target": "grille-jour"}
    )
    html = fragment.content.decode()
    assert html.lstrip().startswith("<section") and "<html" not in html


def test_an_inactive_resource_is_for_its_staff_only(client, place):
    from maillage.bookings.services import update_resource
    from maillage.common.actors import SYSTEM

    resource = make_resource(place, name="Remisée")
    update_resource(actor=SYSTEM, resource=resource, is_active=False)
    assert client.get(week_url(resource)).status_code == 404
