"""A 10-day card counts the days the member used at the place (a booking or a check-in that
day); once ten days are used, a booking on a new day is refused, one on a used day is not."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.bookings import services
from maillage.checkins import services as checkins
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.members.cards import CARD_DAYS, card_days_left, card_days_used
from maillage.members.models import Membership, PlanPeriod
from tests.accounts.factories import UserFactory
from tests.bookings.factories import make_booking, make_resource, tomorrow_at
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place()


@pytest.fixture
def room(place):
    return make_resource(place)


@pytest.fixture
def person(place):
    card = make_plan(place, name="Carte 10 jours", period=PlanPeriod.TEN_DAYS, price_cents=9000)
    user = UserFactory()
    make_membership(place, user, plan=card)
    return user


def membership_of(person, place):
    return Membership.objects.select_related("plan", "place").get(user=person, place=place)


def book_day(room, person, day, hour=10):
    start = tomorrow_at(room.place, hour, days=day)
    return services.book(actor=person, resource=room, start=start, end=start + timedelta(hours=1))


def test_the_card_counts_days_not_bookings_and_refuses_an_eleventh_day(room, person, place):
    for day in range(1, CARD_DAYS + 1):
        book_day(room, person, day)
    book_day(room, person, 1, hour=14)  # a second booking on a day already used: free
    membership = membership_of(person, place)
    assert len(card_days_used(membership)) == CARD_DAYS
    assert card_days_left(membership) == 0
    with pytest.raises(PermissionDenied, match="carte de 10 jours"):
        book_day(room, person, CARD_DAYS + 1)
    book_day(room, person, 5, hour=16)  # still free on a used day


def test_a_check_in_uses_a_day_of_the_card(room, person, place):
    checkins.check_in(actor=SYSTEM, place=place, user=person)
    membership = membership_of(person, place)
    assert card_days_used(membership) == {timezone.localdate(timezone=place.timezone)}
    for day in range(1, CARD_DAYS):
        book_day(room, person, day)
    assert card_days_left(membership_of(person, place)) == 0
    with pytest.raises(PermissionDenied, match="carte de 10 jours"):
        book_day(room, person, CARD_DAYS)


def test_a_cancelled_booking_gives_its_day_back(room, person, place):
    bookings = [book_day(room, person, day) for day in range(1, CARD_DAYS + 1)]
    services.cancel_booking(actor=person, booking=bookings[-1])
    assert card_days_left(membership_of(person, place)) == 1
    book_day(room, person, CARD_DAYS + 3)


def test_moving_the_only_booking_of_a_day_to_a_new_day_keeps_the_count(room, person, place):
    bookings = [book_day(room, person, day) for day in range(1, CARD_DAYS + 1)]
    start = tomorrow_at(place, 10, days=CARD_DAYS + 2)
    services.change_booking(
        actor=person, booking=bookings[0], start=start, end=start + timedelta(hours=1)
    )
    assert card_days_left(membership_of(person, place)) == 0


def test_staff_overriding_the_rules_may_book_past_the_card(room, person, place):
    for day in range(1, CARD_DAYS + 2):
        start = tomorrow_at(place, 10, days=day)
        make_booking(room, person, start, start + timedelta(hours=1))
    assert len(card_days_used(membership_of(person, place))) == CARD_DAYS + 1


def test_a_monthly_plan_is_not_a_card(room, place):
    user = UserFactory()
    membership = make_membership(place, user, plan=make_plan(place, name="Mensuel"))
    assert card_days_left(membership) is None


def test_my_space_shows_the_days_left_on_the_card(client, room, person):
    book_day(room, person, 1)
    book_day(room, person, 2)
    client.force_login(person)
    html = client.get(reverse("members:my_space")).content.decode()
    assert "8 jours restants" in html
