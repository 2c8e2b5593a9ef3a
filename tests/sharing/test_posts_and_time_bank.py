"""Offers and needs (relayed answers, fulfilment, moderation) and the double-entry time bank."""

import itertools
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.audit.models import AuditEntry
from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.sharing import selectors, services
from maillage.sharing.models import Post, PostState, TimeAccount, TimeTransfer
from maillage.territories.models import Territory
from tests.accounts.factories import UserFactory
from tests.mail_helpers import send_queued_mail
from tests.places.factories import make_place
from tests.sharing.factories import make_member, make_post, set_sharing
from tests.territories.factories import load_reference_sample

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    staff = UserFactory(username="equipe")
    place = make_place(name="Tiers-lieu", staff=[staff])
    people = {
        "place": place,
        "staff": staff,
        "ada": make_member(place, username="ada", email="ada@example.org"),
        "bob": make_member(place, username="bob", email="bob@example.org"),
    }
    send_queued_mail()
    mail.outbox.clear()
    return people


def test_an_answer_is_relayed_without_any_address(world, mailoutbox):
    post = make_post(world["ada"], place=world["place"])
    message = services.answer_post(actor=world["bob"], post=post, body="Samedi 10 h, ça vous va ?")
    send_queued_mail()
    assert len(mailoutbox) == 1
    relayed = mailoutbox[0]
    assert relayed.to == ["ada@example.org"]
    assert "Samedi 10 h" in relayed.body
    assert (
        "bob@example.org" not in relayed.body
        and "bob@example.org" not in relayed.alternatives[0][0]
    )
    assert f"/entraide/echanges/{message.conversation_id}/" in relayed.body
    conversation = message.conversation
    assert conversation.author_answered_at is None
    # The author's reply is relayed back and only then are addresses disclosed.
    services.reply(actor=world["ada"], conversation=conversation, body="Parfait !")
    send_queued_mail()
    assert mailoutbox[1].to == ["bob@example.org"]
    assert "ada@example.org" not in mailoutbox[1].body
    conversation.refresh_from_db()
    assert conversation.author_answered_at is not None


def test_the_author_cannot_answer_their_own_post_and_strangers_cannot_answer(world):
    post = make_post(world["ada"], place=world["place"])
    with pytest.raises(PermissionDenied):
        services.answer_post(actor=world["ada"], post=post, body="moi")
    outsider = make_member(make_place(name="Ailleurs"))
    with pytest.raises(PermissionDenied):
        services.answer_post(actor=outsider, post=post, body="moi")
    with pytest.raises(PermissionDenied):
        services.answer_post(actor=UserFactory(), post=post, body="moi")


def test_a_third_person_cannot_write_in_someone_elses_conversation(world):
    post = make_post(world["ada"], place=world["place"])
    message = services.answer_post(actor=world["bob"], post=post, body="Bonjour")
    carol = make_member(world["place"])
    with pytest.raises(PermissionDenied):
        services.reply(actor=carol, conversation=message.conversation, body="je m'invite")


def test_a_closed_post_takes_no_answer(world):
    post = make_post(world["ada"], place=world["place"])
    services.withdraw_post(actor=world["ada"], post=post)
    with pytest.raises(Conflict):
        services.answer_post(actor=world["bob"], post=post, body="trop tard")


def test_posts_are_checked(world):
    with pytest.raises(ValidationFailed) as refused:
        make_post(
            world["ada"],
            place=world["place"],
            title="",
            expires_on=timezone.localdate() - timedelta(days=1),
        )
    assert {e.field for e in refused.value.errors} == {"title", "expires_on"}
    with pytest.raises(ValidationFailed):
        services.create_post(
            actor=world["ada"],
            kind="offer",
            category="skill",
            title="x",
            body="y",
            expires_on=timezone.localdate(),
        )


def test_a_territory_post_is_for_people_active_somewhere():
    load_reference_sample()
    territory = Territory.objects.filter(level="commune").first()
    place = make_place()
    member = make_member(place)
    guest = UserFactory()
    with pytest.raises(PermissionDenied):
        make_post(guest, territory=territory)
    post = make_post(member, territory=territory)
    other = make_member(make_place(name="Autre lieu"))
    assert post in selectors.visible_posts(other)
    assert post not in selectors.visible_posts(guest)


def test_reports_and_hiding_with_a_reason(world, mailoutbox):
    post = make_post(world["ada"], place=world["place"])
    services.report_post(actor=world["bob"], post=post, reason="Publicité")
    with pytest.raises(Conflict):
        services.report_post(actor=world["bob"], post=post, reason="Encore")
    with pytest.raises(PermissionDenied):
        services.hide_post(actor=world["bob"], post=post, reason="je n'aime pas")
    with pytest.raises(ValidationFailed):
        services.hide_post(actor=world["staff"], post=post, reason="")
    services.hide_post(actor=world["staff"], post=post, reason="Publicité commerciale")
    post.refresh_from_db()
    assert post.state == PostState.HIDDEN and post.hidden_reason == "Publicité commerciale"
    assert post.moderated_by == world["staff"]
    assert AuditEntry.objects.filter(action="post.hide", object_id=str(post.pk)).exists()
    assert post not in selectors.visible_posts(world["bob"])
    assert post in selectors.visible_posts(world["ada"])
    send_queued_mail()
    assert mailoutbox[-1].to == ["ada@example.org"]


def test_the_database_wants_a_reason_to_hide(world):
    post = make_post(world["ada"], place=world["place"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(state=PostState.HIDDEN, hidden_reason="")


def test_expired_posts_close_once(world):
    post = make_post(world["ada"], place=world["place"])
    later = timezone.localdate() + timedelta(days=31)
    assert services.expire_posts(actor=SYSTEM, today=later) == 1
    assert services.expire_posts(actor=SYSTEM, today=later) == 0
    post.refresh_from_db()
    assert post.state == PostState.EXPIRED


def test_fulfilling_an_offer_credits_the_helper(world):
    set_sharing(world["place"], time_bank_enabled=True, overdraft_minutes=180)
    post = make_post(world["ada"], place=world["place"])
    conversation = services.answer_post(actor=world["bob"], post=post, body="Oui !").conversation
    with pytest.raises(PermissionDenied):
        services.fulfil_post(actor=world["bob"], post=post)
    services.fulfil_post(actor=world["ada"], post=post, conversation=conversation, minutes=90)
    balances = {b["place"].pk: b["balance_minutes"] for b in selectors.balances_of(world["ada"])}
    assert balances == {world["place"].pk: 90}
    assert selectors.balances_of(world["bob"])[0]["balance_minutes"] == -90
    assert selectors.total_balance_minutes() == 0


def test_fulfilling_a_request_credits_the_one_who_answered(world):
    set_sharing(world["place"], time_bank_enabled=True, overdraft_minutes=180)
    post = make_post(world["ada"], place=world["place"], kind="request")
    conversation = services.answer_post(actor=world["bob"], post=post, body="Je viens").conversation
    services.fulfil_post(actor=world["ada"], post=post, conversation=conversation, minutes=60)
    assert selectors.balances_of(world["bob"])[0]["balance_minutes"] == 60


def test_no_hours_without_a_time_bank_or_under_the_floor(world):
    post = make_post(world["ada"], place=world["place"])
    conversation = services.answer_post(actor=world["bob"], post=post, body="Oui").conversation
    with pytest.raises(ValidationFailed):
        services.fulfil_post(actor=world["ada"], post=post, conversation=conversation, minutes=30)
    set_sharing(world["place"], time_bank_enabled=True, overdraft_minutes=0)
    with pytest.raises(Conflict, match="sous 0"):
        services.fulfil_post(actor=world["ada"], post=post, conversation=conversation, minutes=30)
    post.refresh_from_db()
    assert post.state == PostState.OPEN  # nothing was written
    assert not TimeTransfer.objects.exists()


def test_the_database_refuses_a_transfer_of_zero_or_to_the_same_account(world):
    account = TimeAccount.objects.create(place=world["place"], user=world["ada"])
    other = TimeAccount.objects.create(place=world["place"], user=world["bob"])
    for debit, credit, minutes in ((account, other, 0), (account, account, 30)):
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeTransfer.objects.create(
                place=world["place"], debit=debit, credit=credit, minutes=minutes, label="x"
            )


_places = itertools.count()


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    floor=st.integers(min_value=0, max_value=120),
    exchanges=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 200)), max_size=12
    ),
)
def test_the_books_always_balance_and_no_balance_goes_under_the_floor(floor, exchanges):
    place = make_place(name=f"Banque {next(_places)}")
    set_sharing(place, time_bank_enabled=True, overdraft_minutes=floor)
    people = [make_member(place) for _ in range(4)]
    for payer, payee, minutes in exchanges:
        before = TimeTransfer.objects.filter(place=place).count()
        try:
            services.record_time_exchange(
                actor=SYSTEM,
                place=place,
                payer=people[payer],
                payee=people[payee],
                minutes=minutes,
                label="échange",
            )
        except (Conflict, ValidationFailed):
            # A refused exchange writes nothing.
            assert TimeTransfer.objects.filter(place=place).count() == before
        assert selectors.total_balance_minutes(place) == 0
        for person in people:
            for row in selectors.balances_of(person):
                assert row["balance_minutes"] >= -floor


def test_erasing_a_member_keeps_the_books_balanced(world):
    from maillage.accounts.services import delete_account

    set_sharing(world["place"], time_bank_enabled=True, overdraft_minutes=600)
    services.record_time_exchange(
        actor=world["staff"],
        place=world["place"],
        payer=world["ada"],
        payee=world["bob"],
        minutes=120,
        label="Déménagement",
    )
    delete_account(actor=world["ada"], user=world["ada"])
    assert selectors.total_balance_minutes() == 0
    assert TimeAccount.objects.filter(user__isnull=True).count() == 1
    assert selectors.balances_of(world["bob"])[0]["balance_minutes"] == 120
