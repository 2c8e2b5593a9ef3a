"""The members pages: joining, the staff's pages, permissions, emails, query counts."""

from urllib.parse import urlsplit

import pytest

from maillage.accounts.models import User
from maillage.members.models import Membership, Plan
from maillage.places.models import PlaceRole
from tests.factories import AdminFactory, UserFactory, make_place
from tests.mail_helpers import link_in, send_queued_mail
from tests.members.factories import make_membership, make_plan

pytestmark = pytest.mark.django_db

Status = Membership.Status


@pytest.fixture
def staff():
    return UserFactory(username="equipe-fabrique", first_name="Eneko")


@pytest.fixture
def place(staff):
    return make_place(name="La Fabrique", staff=[staff])


@pytest.fixture
def other_place_staff():
    person = UserFactory(username="equipe-lescar")
    make_place(name="Cowork Lescar", insee_code="64348", staff=[person])
    return person


@pytest.fixture
def plan(place):
    return make_plan(place)


def staff_urls(place, membership=None, plan=None):
    base = f"/lieux/{place.slug}"
    urls = [
        f"{base}/membres/",
        f"{base}/formules/",
        f"{base}/sommes-dues/",
        f"{base}/sommes-dues/releve.csv",
    ]
    if plan is not None:
        urls.append(f"{base}/formules/{plan.pk}/")
    return urls


def test_anonymous_visitors_are_sent_to_sign_in(client, place, plan):
    for url in [*staff_urls(place, plan=plan), f"/lieux/{place.slug}/annuaire/", "/mon-espace/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/comptes/connexion/?next="), url
    assert client.post(f"/lieux/{place.slug}/adherer/")["Location"].startswith("/comptes/")


def test_another_place_s_staff_and_members_get_404(client, place, plan, other_place_staff):
    member = UserFactory()
    make_membership(place, member, plan=plan)
    for person in (other_place_staff, member):
        client.force_login(person)
        for url in staff_urls(place, plan=plan):
            assert client.get(url).status_code == 404, (person, url)
        membership = Membership.objects.get(user=member)
        response = client.post(f"/lieux/{place.slug}/membres/{membership.pk}/suspendre/")
        assert response.status_code == 404
    assert Membership.objects.get(user=member).status == Status.ACTIVE


def test_the_staff_and_instance_admins_see_the_members_pages(client, place, plan, staff):
    for person in (staff, AdminFactory()):
        client.force_login(person)
        for url in staff_urls(place, plan=plan):
            assert client.get(url).status_code == 200, (person, url)


def test_a_person_asks_to_join_from_the_place_page(client, place, plan, staff, mailoutbox):
    person = UserFactory(username="ada", first_name="Ada")
    client.force_login(person)
    page = client.get(f"/lieux/{place.slug}/").content.decode()
    assert "Demander à rejoindre" in page and f'value="{plan.pk}"' in page
    response = client.post(
        f"/lieux/{place.slug}/adherer/", {"plan": plan.pk, "message": "Je fais du bois"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert (membership.status, membership.plan, membership.message) == (
        Status.REQUESTED,
        plan,
        "Je fais du bois",
    )
    assert "Votre adhésion : demandée." in client.get(f"/lieux/{place.slug}/").content.decode()
    again = client.post(f"/lieux/{place.slug}/adherer/", {})
    assert again.status_code == 400
    assert "déjà en cours" in again.content.decode()

    client.force_login(staff)
    listing = client.get(f"/lieux/{place.slug}/membres/").content.decode()
    assert "Je fais du bois" in listing
    client.post(f"/lieux/{place.slug}/membres/{membership.pk}/accepter/")
    membership.refresh_from_db()
    assert membership.status == Status.ACTIVE and membership.decided_by == staff
    assert send_queued_mail() == 1
    assert mailoutbox[0].to == [person.email]
    assert mailoutbox[0].subject == "Bienvenue à La Fabrique : votre adhésion est acceptée"
    assert "Mensuel" in mailoutbox[0].body


def test_an_inactive_plan_or_another_place_s_is_refused_by_its_field(client, place):
    other = make_place(name="Ailleurs", insee_code="64348")
    foreign = make_plan(other)
    closed = make_plan(place, name="Ancienne", is_active=False)
    client.force_login(UserFactory())
    for plan in (foreign, closed):
        response = client.post(f"/lieux/{place.slug}/adherer/", {"plan": plan.pk})
        assert response.status_code == 400
        assert "plan" in response.context["form"].errors
    assert not Membership.objects.exists()


def test_a_refusal_is_emailed(client, place, staff, mailoutbox):
    membership = make_membership(place, UserFactory(), status=Status.REQUESTED)
    client.force_login(staff)
    client.post(f"/lieux/{place.slug}/membres/{membership.pk}/refuser/")
    membership.refresh_from_db()
    assert membership.status == Status.REFUSED
    send_queued_mail()
    assert mailoutbox[0].subject == "Votre demande d'adhésion à La Fabrique"


def test_staff_suspend_resume_end_and_change_plan(client, place, plan, staff):
    membership = make_membership(place, UserFactory(), plan=plan)
    yearly = make_plan(place, name="Annuel", period="year", price_cents=100000)
    client.force_login(staff)
    base = f"/lieux/{place.slug}/membres/{membership.pk}"
    client.post(f"{base}/suspendre/")
    assert Membership.objects.get(pk=membership.pk).status == Status.SUSPENDED
    client.post(f"{base}/reprendre/")
    assert Membership.objects.get(pk=membership.pk).status == Status.ACTIVE
    client.post(f"{base}/formule/", {"plan": yearly.pk})
    assert Membership.objects.get(pk=membership.pk).plan == yearly
    client.post(f"{base}/terminer/")
    assert Membership.objects.get(pk=membership.pk).status == Status.ENDED
    refused = client.post(f"{base}/reprendre/", follow=True)
    assert "ne peut plus passer" in refused.content.decode()
    assert client.post(f"{base}/inconnue/").status_code == 404


def test_the_members_list_filters_by_status(client, place, plan, staff):
    make_membership(place, UserFactory(username="active-one"), plan=plan)
    make_membership(place, UserFactory(username="asking-one"), status=Status.REQUESTED)
    client.force_login(staff)
    response = client.get(f"/lieux/{place.slug}/membres/?statut=active")
    assert [m.user.username for m in response.context["memberships"]] == ["active-one"]
    everything = client.get(f"/lieux/{place.slug}/membres/?statut=nonsense")
    assert len(everything.context["memberships"]) == 2


def test_the_members_list_costs_the_same_queries_for_2_or_20_members(
    client, place, plan, staff, django_assert_max_num_queries
):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/lieux/{place.slug}/membres/").status_code == 200
        return len(queries)

    client.force_login(staff)
    for _index in range(2):
        make_membership(place, UserFactory(), plan=plan)
    few = count()
    for index in range(18):
        make_membership(
            place, UserFactory(), plan=plan, status=Status.REQUESTED if index % 2 else Status.ACTIVE
        )
    assert count() == few
    with django_assert_max_num_queries(15):
        client.get(f"/lieux/{place.slug}/membres/")


def test_inviting_an_existing_account_makes_an_invitation_it_answers(
    client, place, plan, staff, mailoutbox
):
    person = UserFactory(username="ada", email="ada@example.org")
    client.force_login(staff)
    response = client.post(
        f"/lieux/{place.slug}/membres/inviter/",
        {"email": "ADA@example.org", "plan": plan.pk, "message": "Viens !"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=person)
    assert membership.status == Status.INVITED
    send_queued_mail()
    assert mailoutbox[0].to == ["ada@example.org"]
    assert "Viens !" in mailoutbox[0].body

    client.force_login(person)
    space = client.get("/mon-espace/").content.decode()
    assert "La Fabrique vous invite" in space
    client.post(f"/mon-espace/adhesions/{membership.pk}/accepter/")
    assert Membership.objects.get(pk=membership.pk).status == Status.ACTIVE


def test_inviting_an_unknown_address_sends_a_sign_up_link_that_lands_on_the_invitation(
    client, place, plan, staff, mailoutbox
):
    client.force_login(staff)
    client.post(
        f"/lieux/{place.slug}/membres/inviter/", {"email": "new@example.org", "plan": plan.pk}
    )
    assert not Membership.objects.exists()
    send_queued_mail()
    [message] = mailoutbox
    assert message.to == ["new@example.org"]
    link = urlsplit(link_in(message, "http://")).path
    client.logout()

    form = client.get(link)
    assert form.status_code == 200
    assert form.context["form"]["email"].value() == "new@example.org"
    password = "une phrase de passe solide"
    response = client.post(
        link,
        # A tampered address is ignored: the field is fixed by the invitation.
        {
            "email": "other@example.org",
            "name": "Nouvelle",
            "password1": password,
            "password2": password,
        },
    )
    assert response["Location"] == "/mon-espace/"
    user = User.objects.get(email="new@example.org")
    assert user.is_active and user.first_name == "Nouvelle"
    membership = Membership.objects.get(user=user)
    assert (membership.status, membership.plan, membership.place) == (Status.INVITED, plan, place)
    # Following the link again changes nothing.
    assert client.get(link)["Location"] == "/mon-espace/"
    assert Membership.objects.filter(user=user).count() == 1


def test_an_invitation_link_is_for_its_address_only(client, place, staff):
    from maillage.members.services import invitation_token

    token = invitation_token(place=place, email="new@example.org", plan=None, inviter=staff)
    client.force_login(UserFactory(email="someone@example.org"))
    assert client.get(f"/adhesions/invitation/{token}/").status_code == 403
    assert client.get("/adhesions/invitation/forged/").status_code == 400
    # An inviter who no longer runs the place cannot invite anymore.
    PlaceRole.objects.filter(user=staff).delete()
    client.force_login(UserFactory(email="new@example.org"))
    assert client.get(f"/adhesions/invitation/{token}/").status_code == 400


def test_plans_are_listed_created_and_edited_with_errors_by_field(client, place, staff):
    client.force_login(staff)
    url = f"/lieux/{place.slug}/formules/"
    data = {
        "name": "Mensuel",
        "price": "120.50",
        "period": "month",
        "is_active": "on",
        "resource_kinds": ["desk", "meeting_room"],
    }
    assert client.post(url, data).status_code == 302
    plan = Plan.objects.get(place=place)
    assert (plan.price_cents, plan.resource_kinds, plan.is_active) == (
        12050,
        ["desk", "meeting_room"],
        True,
    )
    duplicate = client.post(url, data)
    assert duplicate.status_code == 400 and "name" in duplicate.context["form"].errors
    listing = client.get(url).content.decode()
    assert "120,50 €" in listing
    edited = client.post(f"{url}{plan.pk}/", {**data, "price": "99", "is_active": ""})
    assert edited.status_code == 302
    plan.refresh_from_db()
    assert (plan.price_cents, plan.is_active) == (9900, False)


def test_a_member_leaves_from_their_space(client, place, plan):
    person = UserFactory()
    membership = make_membership(place, person, plan=plan)
    client.force_login(person)
    space = client.get("/mon-espace/").content.decode()
    assert "La Fabrique" in space and "Mensuel" in space and "120,00 €" in space
    client.post(f"/mon-espace/adhesions/{membership.pk}/quitter/")
    assert Membership.objects.get(pk=membership.pk).status == Status.ENDED
    other = make_membership(place, UserFactory(), plan=plan)
    assert client.post(f"/mon-espace/adhesions/{other.pk}/quitter/").status_code == 404


def test_the_place_page_invites_visitors_to_sign_in_or_up_and_shows_staff_their_links(
    client, place, staff
):
    page = client.get(f"/lieux/{place.slug}/").content.decode()
    assert "/comptes/inscription/" in page and "Demander à rejoindre" not in page
    assert f"/lieux/{place.slug}/membres/" not in page
    client.force_login(staff)
    page = client.get(f"/lieux/{place.slug}/").content.decode()
    for link in ("membres/", "formules/", "sommes-dues/", "annuaire/"):
        assert f"/lieux/{place.slug}/{link}" in page, link
