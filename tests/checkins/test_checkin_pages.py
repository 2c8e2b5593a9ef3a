"""The check-in pages: the desk's QR code and what scanning it does, the tablet, « qui est là »
and the person's own stays."""

from unittest import mock
from urllib.parse import quote

import pytest
from django.urls import reverse

from maillage.checkins import desk_codes, services
from maillage.checkins.models import CheckIn, VisitorCount
from tests.accounts.factories import UserFactory
from tests.checkins.factories import make_checkin, make_member
from tests.pages.page_helpers import parse, text
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_place(name="La Fabrique", staff=[UserFactory(username="desk")])


@pytest.fixture
def desk_user(place):
    return place.roles.get(role="staff").user


def test_the_desk_shows_a_qr_code_of_a_scan_url_and_refreshes_itself(client, place, desk_user):
    client.force_login(desk_user)
    page = parse(client.get(reverse("checkins:desk", args=[place.slug])))
    assert page.find("svg", class_="qr-code") is not None
    assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == "60"
    assert not page.find_all(style=True)


def test_only_the_place_s_operators_see_the_desk_and_the_tablet(client, place):
    client.force_login(make_member(place))
    for name in ("checkins:desk", "checkins:tablet"):
        assert client.get(reverse(name, args=[place.slug])).status_code == 404


def test_scanning_the_current_code_then_confirming_checks_the_member_in(client, place):
    member = make_member(place)
    client.force_login(member)
    url = reverse("checkins:scan", args=[place.slug, desk_codes.desk_code(place.pk)])
    page = parse(client.get(url))
    assert "J'arrive" in text(page)
    assert not CheckIn.objects.exists()  # a GET writes nothing
    response = client.post(url)
    assert response.status_code == 302
    assert CheckIn.objects.get().user == member


def test_an_expired_or_foreign_code_is_refused(client, place):
    member = make_member(place)
    client.force_login(member)
    old = desk_codes.desk_code(place.pk, moment=0)
    assert client.post(reverse("checkins:scan", args=[place.slug, old])).status_code == 410
    other = make_place(name="Ailleurs")
    foreign = desk_codes.desk_code(other.pk)
    assert client.post(reverse("checkins:scan", args=[place.slug, foreign])).status_code == 410
    forged = desk_codes.desk_code(place.pk)[:-2] + "xx"
    assert client.post(reverse("checkins:scan", args=[place.slug, forged])).status_code == 410
    assert not CheckIn.objects.exists()


def test_a_code_of_the_previous_window_still_works_but_not_older():
    code = desk_codes.desk_code(7, moment=1000 * desk_codes.WINDOW_S)
    for windows, expected in ((0, 7), (1, 7), (2, None)):
        moment = (1000 + windows) * desk_codes.WINDOW_S + 1
        assert desk_codes.read_desk_code(code, moment=moment) == expected


def test_scanning_without_an_account_asks_to_sign_in(client, place):
    url = reverse("checkins:scan", args=[place.slug, desk_codes.desk_code(place.pk)])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={quote(url)}"


def test_a_non_member_who_scans_is_told_why(client, place):
    client.force_login(UserFactory())
    url = reverse("checkins:scan", args=[place.slug, desk_codes.desk_code(place.pk)])
    assert "membres actifs" in text(parse(client.post(url), 403))


def test_the_tablet_finds_members_by_name_and_checks_them_in_and_out(
    client, place, desk_user, django_assert_max_num_queries
):
    ada = make_member(place, first_name="Ada", last_name="Lovelace")
    make_member(place, first_name="Bob", last_name="Marley")
    client.force_login(desk_user)
    url = reverse("checkins:tablet", args=[place.slug])
    with django_assert_max_num_queries(12):
        page = parse(client.get(url, {"q": "love"}))
    assert [text(row.th) for row in page.select("tbody tr")] == ["Ada Lovelace"]
    response = client.post(url, {"action": "in", "user_id": ada.pk, "q": "love"})
    assert response.status_code == 302 and response["Location"].endswith("?q=love")
    checkin = CheckIn.objects.get(user=ada)
    assert (checkin.source, checkin.recorded_by) == ("desk", desk_user)
    client.post(url, {"action": "out", "user_id": ada.pk})
    checkin.refresh_from_db()
    assert checkin.checked_out_at is not None


def test_the_tablet_counts_visitors_without_an_account(client, place, desk_user):
    client.force_login(desk_user)
    url = reverse("checkins:tablet", args=[place.slug])
    client.post(url, {"action": "visitors", "kind": "day_pass", "count": "3"})
    assert VisitorCount.objects.get().count == 3
    page = parse(client.post(url, {"action": "visitors", "kind": "day_pass", "count": "0"}))
    assert page.select(".errorlist")


def test_who_is_here_lists_everyone_for_staff_with_counts_and_opted_in_members_for_members(
    client, place, desk_user, django_assert_max_num_queries
):
    shy = make_member(place, username="shy")
    public = make_member(place, username="public")
    services.set_presence_visibility(actor=public, visible=True)
    for person in (shy, public):
        make_checkin(place, person)
    url = reverse("checkins:presence", args=[place.slug])
    client.force_login(desk_user)
    with django_assert_max_num_queries(12):
        page = parse(client.get(url))
    assert {text(row.th) for row in page.select("table")[0].select("tbody tr")} == {"shy", "public"}
    assert len(page.select("table")) == 2  # and the last seven days
    client.force_login(make_member(place))
    page = parse(client.get(url))
    assert [text(row.th) for row in page.select("tbody tr")] == ["public"]
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_my_stays_leave_and_choose_to_be_seen(client, place):
    member = make_member(place)
    make_checkin(place, member)
    client.force_login(member)
    page = parse(client.get(reverse("checkins:mine")))
    assert "La Fabrique" in text(page)
    client.post(reverse("checkins:leave"))
    assert CheckIn.objects.get().checked_out_at is not None
    client.post(reverse("checkins:mine"), {"visible_to_members": "on"})
    assert member.presence_preference.visible_to_members
    with mock.patch.object(services, "set_presence_visibility") as setter:
        client.post(reverse("checkins:mine"), {})
    assert setter.call_args.kwargs["visible"] is False
