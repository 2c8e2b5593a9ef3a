"""iCalendar: one-event files for emails, public resource feeds, secret member and staff feeds."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.urls import reverse

from maillage.bookings import calendar, feed_services
from maillage.bookings.models import CalendarFeed
from maillage.bookings.services import cancel_booking
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_resource, tomorrow_at
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place()


def events(content: bytes) -> list:
    return icalendar.Calendar.from_ical(content).walk("VEVENT")


def test_a_booking_s_ics_has_a_stable_uid_and_the_place_s_clock(place, settings):
    settings.SITE_URL = "https://maillage.example.org"
    resource = make_resource(place)
    booking = make_booking(
        resource, UserFactory(), tomorrow_at(place, 9), tomorrow_at(place, 10, 30)
    )
    content = calendar.booking_ics(booking)
    [event] = events(content)
    assert str(event["UID"]) == f"booking-{booking.pk}@maillage.example.org"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event["DTSTART"].dt.hour == 9
    assert event["DTEND"].dt - event["DTSTART"].dt == timedelta(minutes=90)
    assert event["STATUS"] == "CONFIRMED"
    assert b"BEGIN:VTIMEZONE" in content and b"TZID:Europe/Paris" in content
    # The same booking keeps its UID in another file.
    assert str(events(calendar.booking_ics(booking))[0]["UID"]) == str(event["UID"])


def test_a_booking_in_la_reunion_is_written_on_its_own_clock():
    # The reference sample has no overseas commune: the place's département is set directly.
    place = make_place()
    place.departement_code = "974"
    place.save(update_fields=["departement_code"])
    resource = make_resource(place)
    start = tomorrow_at(place, 9)
    assert start.utcoffset() == timedelta(hours=4)
    booking = make_booking(resource, UserFactory(), start, start + timedelta(hours=1))
    [event] = events(calendar.booking_ics(booking))
    assert event["DTSTART"].params["TZID"] == "Indian/Reunion"
    assert event["DTSTART"].dt.hour == 9


def test_the_public_feed_shows_when_never_who(client, place):
    resource = make_resource(place, bookable_by="public")
    ada = UserFactory(first_name="Ada", last_name="Lovelace")
    make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
    response = client.get(reverse("bookings:resource_feed", args=[resource.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = events(response.content)
    assert str(event["SUMMARY"]) == "Réservé"
    assert b"Ada" not in response.content and b"Lovelace" not in response.content


def test_a_resource_for_members_only_has_no_public_feed(client, place):
    resource = make_resource(place, bookable_by="members")
    assert client.get(reverse("bookings:resource_feed", args=[resource.pk])).status_code == 404


def test_the_member_feed_lists_cancelled_bookings_as_cancelled(client, place):
    resource = make_resource(place)
    ada = UserFactory()
    kept = make_booking(resource, ada, tomorrow_at(place, 9), tomorrow_at(place, 10))
    dropped = make_booking(resource, ada, tomorrow_at(place, 11), tomorrow_at(place, 12))
    make_booking(resource, UserFactory(), tomorrow_at(place, 14), tomorrow_at(place, 15))
    cancel_booking(actor=SYSTEM, booking=dropped, override_reason="test")
    _feed, secret = feed_services.create_calendar_feed(actor=ada, user=ada)
    response = client.get(reverse("bookings:secret_feed", args=[secret]))
    assert response.status_code == 200
    status = {str(e["UID"]): str(e["STATUS"]) for e in events(response.content)}
    assert status == {
        calendar.booking_uid(kept): "CONFIRMED",
        calendar.booking_uid(dropped): "CANCELLED",
    }


def test_a_renewed_address_cuts_the_old_one_off(client):
    ada = UserFactory()
    _feed, old = feed_services.create_calendar_feed(actor=ada, user=ada)
    _feed, new = feed_services.create_calendar_feed(actor=ada, user=ada)
    assert client.get(reverse("bookings:secret_feed", args=[old])).status_code == 404
    assert client.get(reverse("bookings:secret_feed", args=[new])).status_code == 200
    assert CalendarFeed.objects.filter(user=ada, revoked_at__isnull=True).count() == 1
    feed_services.revoke_calendar_feed(actor=ada, user=ada)
    assert client.get(reverse("bookings:secret_feed", args=[new])).status_code == 404


def test_only_the_secret_s_digest_is_stored():
    ada = UserFactory()
    feed, secret = feed_services.create_calendar_feed(actor=ada, user=ada)
    stored = CalendarFeed.objects.values_list("prefix", "digest").get(pk=feed.pk)
    assert secret not in stored and secret.startswith(stored[0])


def test_the_staff_feed_names_who_booked_and_stops_with_the_role(client):
    from maillage.places.services import revoke_place_role

    staff = UserFactory()
    place = make_place(staff=[staff])
    resource = make_resource(place)
    make_booking(
        resource, UserFactory(first_name="Ada"), tomorrow_at(place, 9), tomorrow_at(place, 10)
    )
    _feed, secret = feed_services.create_calendar_feed(actor=staff, user=staff, place=place)
    response = client.get(reverse("bookings:secret_feed", args=[secret]))
    assert "Ada" in str(events(response.content)[0]["SUMMARY"])
    revoke_place_role(actor=SYSTEM, place=place, user=staff)
    assert client.get(reverse("bookings:secret_feed", args=[secret])).status_code == 404


def test_a_place_s_feed_is_only_for_those_who_run_it(place):
    outsider = UserFactory()
    with pytest.raises(PermissionDenied):
        feed_services.create_calendar_feed(actor=outsider, user=outsider, place=place)
    with pytest.raises(PermissionDenied):
        feed_services.create_calendar_feed(actor=outsider, user=UserFactory())


def test_an_unknown_secret_is_not_found(client):
    for secret in ("cal_nothing", "mlg_x", "x"):
        assert client.get(reverse("bookings:secret_feed", args=[secret])).status_code == 404


def test_the_feeds_page_shows_a_new_address_once(client):
    ada = UserFactory()
    client.force_login(ada)
    page = client.post(reverse("bookings:feeds"), {"action": "create"})
    assert page.status_code == 200
    address = page.context["created_url"]
    assert "/reservations/agenda/cal_" in address
    again = client.get(reverse("bookings:feeds"))
    assert address not in again.content.decode()
    assert client.get(address).status_code == 200


def test_feed_events_cover_dst_changes_with_the_right_length(place):
    resource = make_resource(place, max_advance_days=400)
    zone = place.timezone
    # Last Sunday of March 2027: 02:00 → 03:00. A booking from 01:00 to 04:00 lasts 2 hours.
    start = datetime(2027, 3, 28, 1, tzinfo=zone)
    end = datetime(2027, 3, 28, 4, tzinfo=zone)
    booking = make_booking(resource, UserFactory(), start, end)
    [event] = events(calendar.booking_ics(booking))
    assert (event["DTSTART"].dt.hour, event["DTEND"].dt.hour) == (1, 4)
    # Python subtracts two times of one zone on their wall clock: compare instants in UTC.
    length = event["DTEND"].dt.astimezone(UTC) - event["DTSTART"].dt.astimezone(UTC)
    assert length == timedelta(hours=2)


def test_a_person_s_feeds_are_in_their_export_and_go_with_the_account():
    from maillage.accounts.personal_data import erase_person, export_person

    ada = UserFactory()
    feed, secret = feed_services.create_calendar_feed(actor=ada, user=ada)
    exported = export_person(ada)["calendar_feeds"]
    assert exported == [
        {
            "place": None,
            "prefix": feed.prefix,
            "created_at": feed.created_at.isoformat(),
            "revoked_at": None,
        }
    ]
    assert secret not in str(exported)
    erase_person(ada)
    ada.delete()
    assert not CalendarFeed.objects.exists()


def test_two_live_addresses_of_one_kind_are_refused_by_the_database():
    from django.db import IntegrityError, transaction

    ada = UserFactory()
    feed_services.create_calendar_feed(actor=ada, user=ada)
    with pytest.raises(IntegrityError), transaction.atomic():
        CalendarFeed.objects.create(user=ada, prefix="cal_x", digest="0" * 64)
