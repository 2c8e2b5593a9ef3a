"""The staff pages of governance: a place's and a network's bodies, a body with its colleges and
members, proposals (write, revise, discuss, withdraw, decide), votes of every method (prepare,
edit, open, close early, cancel, publish), the dashboard section, and who may do what."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.governance import services
from maillage.governance.models import (
    BodyKind,
    BodyMember,
    College,
    DecisionBody,
    Proposal,
    Vote,
    VoteStatus,
)
from maillage.places.services import grant_place_role, save_network
from tests.accounts.factories import UserFactory
from tests.governance.factories import make_body, make_vote
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
    person = UserFactory(username="ada")
    make_membership(place, person)
    return person


@pytest.fixture
def body(place, member):
    body, _users = make_body(place)
    return body


def later(days=7):
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def actions(target, action):
    return AuditEntry.objects.filter(action=action, object_id=str(target.pk)).count()


VOTE_DEFAULTS = {
    "description": "",
    "proposal": "",
    "quorum_percent": "0",
    "score_min": "0",
    "score_max": "5",
    "max_objections": "50",
    "objective": "total",
    "results_hidden": "on",
    "changeable": "on",
}


def vote_form(**fields):
    return {**VOTE_DEFAULTS, "closes_at": later(), **fields}


# --- who may -------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_log_in(client, body):
    for url in (
        reverse("governance:bodies_place", args=[body.place.slug]),
        reverse("governance:body", args=[body.pk]),
        reverse("governance:vote_create", args=[body.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/comptes/" in response["Location"]


def test_strangers_get_404_and_members_403_on_the_staff_pages(client, body, member):
    vote = make_vote(body, open=False)
    stranger = UserFactory()
    client.force_login(stranger)
    for url in (
        reverse("governance:bodies_place", args=[body.place.slug]),
        reverse("governance:body", args=[body.pk]),
        reverse("governance:vote_create", args=[body.pk]),
        reverse("governance:vote_edit", args=[vote.pk]),
        reverse("governance:proposal_create", args=[body.pk]),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(member)
    assert client.get(reverse("governance:bodies_place", args=[body.place.slug])).status_code == 404
    assert client.get(reverse("governance:body", args=[body.pk])).status_code == 403
    assert client.get(reverse("governance:vote_create", args=[body.pk])).status_code == 403
    assert client.get(reverse("governance:vote_edit", args=[vote.pk])).status_code == 403
    response = client.post(reverse("governance:manage", args=[vote.pk]), {"action": "open"})
    assert response.status_code == 403
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT


def test_another_place_s_staff_get_404(client, body):
    other_staff = UserFactory()
    grant_place_role(actor=SYSTEM, place=make_place(), user=other_staff, role="staff")
    client.force_login(other_staff)
    assert client.get(reverse("governance:body", args=[body.pk])).status_code == 404
    assert client.post(reverse("governance:body_colleges", args=[body.pk]), {}).status_code == 404


def test_a_member_removed_from_another_body_is_404(client, staff, body, place):
    other_body = services.create_body(
        actor=SYSTEM, name="Bureau", kind=BodyKind.NAMED_LIST, place=place
    )
    member = services.add_body_member(actor=SYSTEM, body=other_body, user=UserFactory())
    client.force_login(staff)
    url = reverse("governance:body_member_remove", args=[body.pk, member.pk])
    assert client.post(url).status_code == 404
    assert BodyMember.objects.filter(pk=member.pk).exists()


# --- bodies --------------------------------------------------------------------------------------


def test_staff_list_the_place_s_bodies_in_few_queries(
    client, staff, place, django_assert_max_num_queries
):
    for n in range(5):
        body, _ = make_body(place, name=f"Instance {n}")
        make_vote(body, open=False)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("governance:bodies_place", args=[place.slug]))
    page = response.content.decode()
    assert response.status_code == 200
    assert all(f"Instance {n}" in page for n in range(5))
    assert "style=" not in page and "<script" not in page


def test_staff_create_a_body_with_plans(client, staff, place):
    plan = make_plan(place, name="Résident")
    client.force_login(staff)
    response = client.post(
        reverse("governance:bodies_place", args=[place.slug]),
        {"name": "AG des résidents", "kind": "place_members", "plans": [plan.pk]},
    )
    body = DecisionBody.objects.get(name="AG des résidents")
    assert response.status_code == 302 and response["Location"].endswith(f"/instances/{body.pk}/")
    assert list(body.plans.all()) == [plan] and body.secret_ballot is False
    assert actions(body, "body.create") == 1


def test_a_refused_body_shows_an_error_summary(client, staff, place):
    client.force_login(staff)
    response = client.post(
        reverse("governance:bodies_place", args=[place.slug]),
        {"name": "  ", "kind": "place_members"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page and 'href="#id_name"' in page
    assert not DecisionBody.objects.filter(place=place).exists()


def test_staff_rename_a_body(client, staff, body):
    client.force_login(staff)
    response = client.get(reverse("governance:body", args=[body.pk]))
    assert response.status_code == 200 and body.name in response.content.decode()
    response = client.post(
        reverse("governance:body", args=[body.pk]), {"name": "AG 2027", "secret_ballot": "on"}
    )
    assert response.status_code == 302
    body.refresh_from_db()
    assert body.name == "AG 2027"
    assert actions(body, "body.update") == 1


def test_staff_set_colleges_and_assign_members(client, staff, body, member):
    client.force_login(staff)
    url = reverse("governance:body_colleges", args=[body.pk])
    response = client.post(url, {"colleges": "Usagers : 50\nSalariés : 30\nSoutiens : 20"})
    assert response.status_code == 302
    assert sorted(body.colleges.values_list("weight_percent", flat=True)) == [20, 30, 50]
    users = College.objects.get(body=body, name="Usagers")
    response = client.post(
        reverse("governance:body_member_add", args=[body.pk]),
        {"member-person": "ada", "member-college": users.pk},
    )
    assert response.status_code == 302
    assert BodyMember.objects.get(body=body, user=member).college == users
    page = client.get(reverse("governance:body", args=[body.pk])).content.decode()
    assert "Usagers" in page and "Retirer" in page
    member_row = BodyMember.objects.get(body=body, user=member)
    response = client.post(reverse("governance:body_member_remove", args=[body.pk, member_row.pk]))
    assert response.status_code == 302
    assert not BodyMember.objects.filter(pk=member_row.pk).exists()
    assert actions(body, "body.remove_member") == 1


@pytest.mark.parametrize(
    ("colleges", "message"),
    [
        ("Usagers : 60\nSalariés : 40", "entre 10 % et 50 %"),
        ("Usagers : 50\nSalariés : 40", "100 % ensemble"),
        ("Usagers cinquante", "Ligne 1"),
    ],
)
def test_refused_colleges_say_why(client, staff, body, colleges, message):
    client.force_login(staff)
    url = reverse("governance:body_colleges", args=[body.pk])
    response = client.post(url, {"colleges": colleges})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not body.colleges.exists()


def test_an_unknown_person_is_refused(client, staff, body):
    client.force_login(staff)
    response = client.post(
        reverse("governance:body_member_add", args=[body.pk]), {"member-person": "nobody"}
    )
    assert response.status_code == 400
    assert "Aucun compte actif" in response.content.decode()


def test_network_coordinators_run_a_network_body_with_one_representative_per_place(client):
    coordinator = UserFactory()
    first, second = make_place(), make_place()
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={"name": "Réseau", "slug": "reseau", "places": [first, second],
              "coordinators": [coordinator]},
    )  # fmt: skip
    client.force_login(coordinator)
    overview = client.get(reverse("governance:network", args=[network.slug])).content.decode()
    assert reverse("governance:bodies_network", args=[network.slug]) in overview
    response = client.post(
        reverse("governance:bodies_network", args=[network.slug]),
        {"name": "Conseil du réseau", "kind": "network_places", "secret_ballot": "on"},
    )
    body = DecisionBody.objects.get(network=network)
    assert response.status_code == 302
    delegate, other = UserFactory(username="delegue"), UserFactory(username="autre")
    url = reverse("governance:body_member_add", args=[body.pk])
    response = client.post(url, {"member-person": "delegue", "member-place": first.pk})
    assert response.status_code == 302
    response = client.post(url, {"member-person": "autre", "member-place": first.pk})
    assert response.status_code == 400
    assert "déjà un·e représentant·e" in response.content.decode()
    assert list(body.body_members.values_list("user", flat=True)) == [delegate.pk]
    assert other.pk not in body.body_members.values_list("user", flat=True)
    client.force_login(UserFactory())
    assert client.get(reverse("governance:bodies_network", args=[network.slug])).status_code == 404


# --- proposals -----------------------------------------------------------------------------------


def test_a_member_writes_revises_and_puts_a_proposal_to_discussion(client, body, member):
    client.force_login(member)
    url = reverse("governance:proposal_create", args=[body.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "Composteur", "text": "Installer un **composteur**."})
    proposal = Proposal.objects.get(title="Composteur")
    assert response.status_code == 302 and proposal.author == member
    edit = reverse("governance:proposal_edit", args=[proposal.pk])
    assert "Installer" in client.get(edit).content.decode()
    response = client.post(edit, {"title": "Composteur", "text": "Installer deux composteurs."})
    assert response.status_code == 302
    assert proposal.revisions.count() == 2
    move = reverse("governance:proposal_move", args=[proposal.pk])
    assert client.post(move, {"action": "discuss"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == "discussion"
    assert actions(proposal, "proposal.discuss") == 1


def test_a_refused_proposal_shows_its_errors(client, body, member):
    client.force_login(member)
    response = client.post(
        reverse("governance:proposal_create", args=[body.pk]), {"title": "", "text": ""}
    )
    assert response.status_code == 400
    assert 'href="#id_title"' in response.content.decode()


def test_another_member_may_not_revise_and_staff_decide(client, staff, body, member):
    proposal = services.create_proposal(actor=member, body=body, title="Four", text="Un four.")
    services.open_discussion(actor=member, proposal=proposal)
    other = UserFactory()
    make_membership(body.place, other)
    client.force_login(other)
    assert client.get(reverse("governance:proposal_edit", args=[proposal.pk])).status_code == 403
    vote = make_vote(body, method="consent", options=[], proposal=proposal, open=False)
    services.open_vote(actor=SYSTEM, vote=vote)
    proposal.refresh_from_db()
    assert proposal.status == "vote"
    client.force_login(staff)
    page = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    assert "Enregistrer la décision" in page
    response = client.post(
        reverse("governance:proposal_move", args=[proposal.pk]),
        {"action": "decide", "outcome": "adopted", "decision_text": "Four acheté en mars."},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decision_text) == ("adopted", "Four acheté en mars.")


def test_an_author_withdraws_their_proposal(client, body, member):
    proposal = services.create_proposal(actor=member, body=body, title="Ruche", text="Une ruche.")
    client.force_login(member)
    client.post(reverse("governance:proposal_move", args=[proposal.pk]), {"action": "withdraw"})
    proposal.refresh_from_db()
    assert proposal.status == "withdrawn"


# --- votes ---------------------------------------------------------------------------------------

METHOD_FORMS = [
    ("single", {"options": "Oui\nNon"}, {}),
    ("approval", {"options": "A\nB\nC"}, {}),
    ("consent", {"options": "", "max_objections": "20"}, {"max_objections": 20}),
    ("score", {"options": "A\nB", "score_min": "1", "score_max": "10"}, {"min": 1, "max": 10}),
    ("schulze", {"options": "A\nB\nC"}, {}),
    (
        "majority_judgement",
        {"options": "A\nB", "scale": "Non\nBof\nOui"},
        {"scale": ["Non", "Bof", "Oui"]},
    ),
    ("budget", {"options": "Four ; 300\nRuche ; 200", "budget": "400"}, {"budget": 400}),
    (
        "allocation",
        {"options": "Bureau 1 ; 2\nBureau 2 ; 1", "objective": "worst_off"},
        {"objective": "worst_off"},
    ),
    ("date_poll", {"options": "Lundi 18 h\nMardi 12 h"}, {}),
]


@pytest.mark.parametrize(("method", "fields", "expected"), METHOD_FORMS)
def test_staff_prepare_a_vote_of_every_method(  # noqa: PLR0917 - parametrized
    client, staff, body, method, fields, expected
):
    client.force_login(staff)
    url = reverse("governance:vote_create", args=[body.pk])
    page = client.get(url).content.decode()
    assert "<fieldset>" in page and "style=" not in page
    response = client.post(url, vote_form(title=f"Vote {method}", method=method, **fields))
    assert response.status_code == 302, response.content.decode()[:3000]
    vote = Vote.objects.get(title=f"Vote {method}")
    assert (vote.method, vote.status, vote.settings) == (method, VoteStatus.DRAFT, expected)
    if method == "budget":
        assert list(vote.options.values_list("cost", flat=True)) == [300, 200]
    if method == "allocation":
        assert list(vote.options.values_list("capacity", flat=True)) == [2, 1]
        assert vote.secret is False
    assert actions(vote, "vote.create") == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"method": "single", "options": "Oui"}, "options", "au moins deux options"),
        ({"method": "budget", "options": "Four ; 300\nRuche ; 200"}, "budget", "budget"),
        ({"method": "budget", "options": "Four\nRuche", "budget": "300"}, "options", "Ligne 1"),
        ({"method": "allocation", "options": "A ; 1\nB ; 1", "secret": "on"}, "secret", "secrète"),
        ({"method": "score", "options": "A\nB", "score_min": "5", "score_max": "2"}, "score_max",
         "note maximale"),
        ({"method": "majority_judgement", "options": "A\nB", "scale": "Seule"}, "scale",
         "de 2 à 7 mentions"),
        ({"method": "single", "options": "A\nB", "closes_at": "2020-01-01T10:00"}, "closes_at",
         "à venir"),
    ],
)  # fmt: skip
def test_a_refused_vote_shows_its_errors_by_their_field(  # noqa: PLR0917 - parametrized
    client, staff, body, fields, field, message
):
    client.force_login(staff)
    response = client.post(
        reverse("governance:vote_create", args=[body.pk]), vote_form(title="Refusé", **fields)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'href="#id_{field}"' in page and message in page
    assert not Vote.objects.filter(title="Refusé").exists()


def test_a_vote_is_prepared_on_a_proposal_from_its_page(client, staff, body, member):
    proposal = services.create_proposal(actor=member, body=body, title="Jardin", text="Un jardin.")
    services.open_discussion(actor=member, proposal=proposal)
    client.force_login(staff)
    page = client.get(reverse("governance:proposal", args=[proposal.pk])).content.decode()
    link = f"{reverse('governance:vote_create', args=[body.pk])}?proposition={proposal.pk}"
    assert link in page
    assert f'value="{proposal.pk}" selected' in client.get(link).content.decode()
    response = client.post(
        reverse("governance:vote_create", args=[body.pk]),
        vote_form(title="Jardin ?", method="consent", proposal=proposal.pk),
    )
    assert response.status_code == 302
    vote = Vote.objects.get(title="Jardin ?")
    assert vote.proposal == proposal and vote.options.get().label == "Jardin"


def test_staff_edit_a_draft_vote_but_not_an_open_one(client, staff, body):
    vote = make_vote(body, method="single", options=["A", "B"], open=False)
    client.force_login(staff)
    url = reverse("governance:vote_edit", args=[vote.pk])
    page = client.get(url).content.decode()
    assert "A\nB" in page
    response = client.post(url, vote_form(title="Renommé", method="approval", options="X\nY\nZ"))
    assert response.status_code == 302
    vote.refresh_from_db()
    assert (vote.title, vote.method) == ("Renommé", "approval")
    assert list(vote.options.values_list("label", flat=True)) == ["X", "Y", "Z"]
    assert actions(vote, "vote.update") == 1
    services.open_vote(actor=SYSTEM, vote=vote)
    response = client.post(url, vote_form(title="Trop tard", method="single", options="A\nB"))
    assert response.status_code == 302
    vote.refresh_from_db()
    assert vote.title == "Renommé"


def test_staff_open_close_early_and_publish_a_vote(client, staff, body, member):
    vote = make_vote(body, method="single", options=["Oui", "Non"], open=False)
    manage = reverse("governance:manage", args=[vote.pk])
    client.force_login(staff)
    page = client.get(reverse("governance:vote", args=[vote.pk])).content.decode()
    assert "Ouvrir le vote" in page and "Modifier le vote" in page
    client.post(manage, {"action": "open"})
    vote.refresh_from_db()
    assert vote.status == VoteStatus.OPEN and vote.electors.count() == 1
    services.submit_ballot(actor=member, vote=vote, content={"choice": 0})
    client.post(manage, {"action": "close"})
    vote.refresh_from_db()
    assert vote.status == VoteStatus.CLOSED and vote.closed_at < vote.closes_at
    assert vote.results["winner"] == 0
    client.logout()
    assert client.get(reverse("governance:results", args=[vote.pk])).status_code == 404
    client.force_login(staff)
    client.post(manage, {"action": "publish"})
    vote.refresh_from_db()
    assert vote.results_public
    assert actions(vote, "vote.publish") == 1
    client.logout()
    assert client.get(reverse("governance:results", args=[vote.pk])).status_code == 200


def test_publishing_an_open_vote_is_refused_and_cancelling_works(client, staff, body):
    vote = make_vote(body, method="single", options=["Oui", "Non"])
    client.force_login(staff)
    manage = reverse("governance:manage", args=[vote.pk])
    response = client.post(manage, {"action": "publish"}, follow=True)
    assert "une fois le vote clos" in response.content.decode()
    client.post(manage, {"action": "cancel"})
    vote.refresh_from_db()
    assert vote.status == VoteStatus.CANCELLED and not vote.results_public


# --- links ---------------------------------------------------------------------------------------


def test_the_dashboard_and_the_governance_page_link_to_the_staff_pages(client, staff, body):
    vote = make_vote(body, method="single", options=["Oui", "Non"])
    make_vote(body, open=False)
    client.force_login(staff)
    dashboard = client.get(reverse("bookings:dashboard", args=[body.place.slug])).content.decode()
    bodies_url = reverse("governance:bodies_place", args=[body.place.slug])
    assert 'id="gouvernance-title"' in dashboard and bodies_url in dashboard
    assert vote.title in dashboard and "1 vote en préparation" in dashboard
    overview = client.get(reverse("governance:place", args=[body.place.slug])).content.decode()
    assert bodies_url in overview
    bodies = client.get(bodies_url).content.decode()
    assert reverse("governance:body", args=[body.pk]) in bodies
    body_page = client.get(reverse("governance:body", args=[body.pk])).content.decode()
    assert reverse("governance:vote_create", args=[body.pk]) in body_page


def test_members_see_no_staff_links(client, body, member):
    client.force_login(member)
    overview = client.get(reverse("governance:place", args=[body.place.slug])).content.decode()
    assert reverse("governance:bodies_place", args=[body.place.slug]) not in overview


def test_the_vote_form_speaks_english(client, staff, body):
    client.force_login(staff)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get(reverse("governance:vote_create", args=[body.pk])).content.decode()
    assert "Prepare a vote" in html and "Grades, worst to best" in html
    assert "Allocation by preference" in html and "Quorum (percentage of the electorate)" in html
    html = client.get(reverse("governance:body", args=[body.pk])).content.decode()
    assert "Save the colleges" in html and "Add a person" in html


def test_members_find_where_to_write_a_proposal(client, body, member):
    client.force_login(member)
    overview = client.get(reverse("governance:place", args=[body.place.slug])).content.decode()
    assert reverse("governance:proposal_create", args=[body.pk]) in overview


def test_a_body_page_reads_a_fixed_number_of_queries(
    client, staff, body, django_assert_max_num_queries
):
    services.set_colleges(actor=SYSTEM, body=body, colleges=[("Usagers", 50), ("Salariés", 50)])
    college = body.colleges.first()
    for _ in range(12):
        services.add_body_member(actor=SYSTEM, body=body, user=UserFactory(), college=college)
        services.create_proposal(actor=SYSTEM, body=body, title="P", text="…")
    make_vote(body, open=False)
    client.force_login(staff)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("governance:body", args=[body.pk]))
    assert response.content.decode().count("Retirer ") >= 12


def test_the_dashboard_section_reads_two_queries(staff, body, django_assert_num_queries, rf):
    from maillage.governance.sections import governance_context

    make_vote(body, method="single", options=["Oui", "Non"])
    make_vote(body, open=False)
    request = rf.get("/")
    request.user = staff
    with django_assert_num_queries(2):
        context = governance_context(request, body.place)
    assert context["counts"] == {"bodies": 1, "drafts": 1}
    assert len(context["open_votes"]) == 1
