"""Recurring bookings: the page's form (conflicts by date, then the free ones only), the API,
the one email listing every occurrence with one .ics, cancelling one or the rest, who may."""

import json
from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from maillage.accounts.services import create_api_token
from maillage.bookings import services
from maillage.bookings.calendar import booking_uid
from maillage.bookings.models import Booking, BookingSeries, BookingStatus
from maillage.common.errors import PermissionDenied, ValidationFailed
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_qualification, make_resource, tomorrow_at
from tests.members.factories import make_membership
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(staff=[UserFactory(username="desk")])


@pytest.fixture
def staff(place):
    return place.roles.get(role="staff").user


@pytest.fixture
def room(place):
    return make_resource(place, name="Salle Ossau")


@pytest.fixture
def member(place):
    person = UserFactory(first_name="Ada", email="ada@example.org")
    make_membership(place, person)
    DBTaskResult.objects.all().delete()  # the membership's own email
    return person


def taken_by_someone(room, start, end):
    other = UserFactory()
    make_membership(room.place, other)
    return services.book(actor=other, resource=room, start=start, end=end)


def sent_mails(mailoutbox):
    for queued in DBTaskResult.objects.order_by("enqueued_at", "id"):
        import_string(queued.task_path).call(**queued.args_kwargs["kwargs"])
    DBTaskResult.objects.all().delete()
    return mailoutbox


def series_post(room, start, end, **fields):
    data = {
        "serie-day": start.date().isoformat(),
        "serie-start": start.strftime("%H:%M"),
        "serie-end": end.strftime("%H:%M"),
        "serie-interval_weeks": "1",
        "serie-ends": "count",
        "serie-count": "4",
        "serie-until": "",
        "serie-mode": "all_or_nothing",
    }
    data.update({f"serie-{name}": value for name, value in fields.items()})
    return data


# --- service ------------------------------------------------------------------------------------


def test_a_series_of_n_sessions_books_n_weeks(room, member):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=2,
        count=3,
    )
    assert [b.start for b in result.booked] == [start + timedelta(weeks=2 * k) for k in range(3)]
    assert result.series.until == (start + timedelta(weeks=4)).date()


def test_a_series_needs_an_end_date_or_a_count_not_both(room, member):
    start = tomorrow_at(room.place, 10)
    for bounds in ({}, {"until": start.date(), "count": 2}):
        with pytest.raises(ValidationFailed):
            services.book_series(
                actor=member,
                resource=room,
                start=start,
                end=start + timedelta(hours=1),
                interval_weeks=1,
                **bounds,
            )


def test_cancelling_the_rest_of_a_series_keeps_the_earlier_ones(room, member):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=4,
    )
    third = result.booked[2]
    cancelled = services.cancel_series(actor=member, series=result.series, from_booking=third)
    assert [b.pk for b in cancelled] == [b.pk for b in result.booked[2:]]
    statuses = list(
        Booking.objects.filter(series=result.series)
        .order_by("start")
        .values_list("status", flat=True)
    )
    assert statuses == ["confirmed", "confirmed", "cancelled", "cancelled"]
    # The time is free again.
    taken_by_someone(room, third.start, third.end)


def test_another_member_may_not_cancel_a_series_but_staff_may(room, member, staff):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=2,
    )
    stranger = UserFactory()
    make_membership(room.place, stranger)
    with pytest.raises(PermissionDenied):
        services.cancel_series(actor=stranger, series=result.series)
    assert len(services.cancel_series(actor=staff, series=result.series)) == 2


# --- page ---------------------------------------------------------------------------------------


def test_the_week_page_offers_the_series_form(client, room, member):
    client.force_login(member)
    html = client.get(reverse("bookings:week", args=[room.pk])).content.decode()
    assert "Réservation récurrente" in html
    assert 'name="serie-interval_weeks"' in html and 'name="serie-count"' in html
    assert reverse("bookings:book_series", args=[room.pk]) in html


def test_the_page_lists_conflicts_by_date_then_books_only_the_free_ones(
    client, room, member, mailoutbox
):
    start = tomorrow_at(room.place, 10)
    end = start + timedelta(hours=1)
    taken_by_someone(room, start + timedelta(weeks=1), end + timedelta(weeks=1))
    DBTaskResult.objects.all().delete()
    client.force_login(member)
    url = reverse("bookings:book_series", args=[room.pk])

    response = client.post(url, series_post(room, start, end))
    assert response.status_code == 409
    html = response.content.decode()
    conflict_day = (start + timedelta(weeks=1)).strftime("%d")
    assert "rien n&#x27;est réservé" in html or "rien n'est réservé" in html
    assert 'id="conflits-serie"' in html and conflict_day in html
    assert "Déjà réservé" in html
    assert 'value="free_only"' in html and "Réserver seulement les dates libres" in html
    assert not Booking.objects.filter(user=member).exists()

    response = client.post(url, series_post(room, start, end, mode="free_only"))
    assert response.status_code == 302
    booked = list(Booking.objects.filter(user=member).order_by("start"))
    assert [b.start for b in booked] == [
        start,
        start + timedelta(weeks=2),
        start + timedelta(weeks=3),
    ]
    [message] = sent_mails(mailoutbox)
    assert message.to == ["ada@example.org"]


def test_the_page_refuses_a_series_without_its_end(client, room, member):
    start = tomorrow_at(room.place, 10)
    client.force_login(member)
    response = client.post(
        reverse("bookings:book_series", args=[room.pk]),
        series_post(room, start, start + timedelta(hours=1), count=""),
    )
    assert response.status_code == 400
    assert "Donnez le nombre de séances." in response.content.decode()
    assert not Booking.objects.exists()


def test_my_bookings_cancels_one_occurrence_and_the_following(client, room, member):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=3,
    )
    client.force_login(member)
    html = client.get(reverse("bookings:mine")).content.decode()
    assert "Annuler celle-ci et les suivantes" in html
    response = client.post(
        reverse("bookings:cancel_series", args=[result.series.pk]),
        {"from": result.booked[1].pk},
    )
    assert response.status_code == 302
    statuses = [Booking.objects.get(pk=b.pk).status for b in result.booked]
    assert statuses == ["confirmed", "cancelled", "cancelled"]


def test_a_stranger_cannot_cancel_someone_s_series_from_the_page(client, room, member):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=2,
    )
    stranger = UserFactory()
    client.force_login(stranger)
    response = client.post(reverse("bookings:cancel_series", args=[result.series.pk]))
    assert response.status_code == 404
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 2


# --- emails -------------------------------------------------------------------------------------


def test_one_email_lists_every_occurrence_with_one_ics_holding_them_all(room, member, mailoutbox):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=3,
    )
    [message] = sent_mails(mailoutbox)
    assert "3 séances" in message.subject and "Salle Ossau" in message.subject
    for booking in result.booked:
        day = booking.start.astimezone(room.place.timezone)
        assert f"{day.day} " in message.body
    assert message.body.count("de 10:00 à 11:00") == 3
    assert message.alternatives[0].content.count("<li>") == 3
    [(filename, content, mimetype)] = message.attachments
    assert filename.endswith(".ics") and mimetype == "text/calendar"
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert {str(e["UID"]) for e in events} == {booking_uid(b) for b in result.booked}
    assert len(events) == 3
    assert {str(e["STATUS"]) for e in events} == {"CONFIRMED"}
    assert {e.decoded("dtstart") for e in events} == {b.start for b in result.booked}


def test_cancelling_the_rest_sends_one_email_marking_them_cancelled(room, member, mailoutbox):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=3,
    )
    sent_mails(mailoutbox)
    mailoutbox.clear()
    services.cancel_series(actor=member, series=result.series, from_booking=result.booked[1])
    [message] = sent_mails(mailoutbox)
    assert "annulée" in message.subject and "2 séances" in message.subject
    [(_name, content, _type)] = message.attachments
    events = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert [str(e["STATUS"]) for e in events] == ["CANCELLED", "CANCELLED"]


def test_the_series_email_is_in_the_person_s_language(room, place, mailoutbox):
    ada = UserFactory(email="ada@example.org", language="en")
    make_membership(place, ada)
    DBTaskResult.objects.all().delete()
    start = tomorrow_at(place, 10)
    services.book_series(
        actor=ada,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=2,
    )
    [message] = sent_mails(mailoutbox)
    assert message.subject.startswith("Recurring booking confirmed")
    assert "Hello" in message.body


# --- API ----------------------------------------------------------------------------------------


def call(client, method, url, user, body=None):
    token = create_api_token(user=user, name="test")[1]
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def series_body(room, start, **fields):
    body = {
        "resource_id": room.pk,
        "start": start.isoformat(),
        "end": (start + timedelta(hours=1)).isoformat(),
        "interval_weeks": 1,
        "count": 3,
    }
    body.update(fields)
    return body


def test_api_books_a_series_201(client, room, member):
    start = tomorrow_at(room.place, 10)
    response = call(client, "post", "/api/v1/bookings/series", member, series_body(room, start))
    assert response.status_code == 201, response.content
    data = response.json()
    assert len(data["bookings"]) == 3 and data["conflicts"] == []
    assert {b["series_id"] for b in data["bookings"]} == {data["id"]}
    assert BookingSeries.objects.get(pk=data["id"]).user == member


def test_api_answers_409_listing_the_conflicts_and_books_nothing(client, room, member):
    start = tomorrow_at(room.place, 10)
    taken_by_someone(room, start + timedelta(weeks=2), start + timedelta(weeks=2, hours=1))
    response = call(client, "post", "/api/v1/bookings/series", member, series_body(room, start))
    assert response.status_code == 409
    data = response.json()
    assert "rien n'est réservé" in data["detail"]
    [conflict] = data["conflicts"]
    assert conflict["start"].startswith((start + timedelta(weeks=2)).date().isoformat())
    assert "Déjà réservé" in conflict["reason"]
    assert not Booking.objects.filter(user=member).exists()

    response = call(
        client,
        "post",
        "/api/v1/bookings/series",
        member,
        series_body(room, start, mode="free_only"),
    )
    assert response.status_code == 201
    assert len(response.json()["bookings"]) == 2 and len(response.json()["conflicts"]) == 1


def test_api_answers_403_naming_the_training(client, place, member):
    laser = make_resource(place, name="Laser", required_qualification=make_qualification(place))
    start = tomorrow_at(place, 10)
    response = call(client, "post", "/api/v1/bookings/series", member, series_body(laser, start))
    assert response.status_code == 403
    assert "Initiation découpe laser" in response.json()["detail"]


def test_api_answers_403_to_a_non_member_and_to_booking_for_someone_else(client, room, member):
    start = tomorrow_at(room.place, 10)
    outsider = UserFactory()
    response = call(client, "post", "/api/v1/bookings/series", outsider, series_body(room, start))
    assert response.status_code == 403
    response = call(
        client,
        "post",
        "/api/v1/bookings/series",
        member,
        series_body(room, start, user_id=outsider.pk),
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_api_staff_books_a_series_for_a_member(client, room, member, staff):
    start = tomorrow_at(room.place, 10)
    response = call(
        client,
        "post",
        "/api/v1/bookings/series",
        staff,
        series_body(room, start, user_id=member.pk),
    )
    assert response.status_code == 201
    assert Booking.objects.filter(user=member).count() == 3


def test_api_cancels_the_rest_of_a_series_and_hides_it_from_others(client, room, member):
    start = tomorrow_at(room.place, 10)
    result = services.book_series(
        actor=member,
        resource=room,
        start=start,
        end=start + timedelta(hours=1),
        interval_weeks=1,
        count=3,
    )
    url = f"/api/v1/bookings/series/{result.series.pk}"
    assert call(client, "delete", url, UserFactory()).status_code == 404
    response = call(client, "delete", f"{url}?from_booking_id={result.booked[1].pk}", member)
    assert response.status_code == 200
    assert [b["status"] for b in response.json()["cancelled"]] == ["cancelled", "cancelled"]
    assert (
        call(client, "delete", f"{url}?from_booking_id={result.booked[1].pk}", member).status_code
        == 409
    )
