"""The lifecycles of federation, move by move, and what the database holds by itself."""

import ipaddress

import pytest
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from maillage.common.actors import SYSTEM
from maillage.common.errors import Conflict, ValidationFailed
from maillage.common.lifecycle import IllegalTransition, move_state
from maillage.common.safefetch import refusal
from maillage.federation import services
from maillage.federation.models import (
    DuplicateCandidate,
    HarvestedPlace,
    HarvestJob,
    WebhookDelivery,
)
from tests.federation.factories import make_peer
from tests.places.factories import make_place


def _entry(state: str) -> HarvestedPlace:
    peer = make_peer("https://93.184.216.34")
    return HarvestedPlace.objects.create(
        peer=peer, remote_uuid="6f1c1b7e-2b1a-4a5e-9d3c-0c8f5b7a1e42", state=state
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "target"),
    [
        ("taken_over", "harvested"),
        ("taken_over", "merged"),
        ("merged", "harvested"),
        ("merged", "taken_over"),
        ("harvested", "harvested"),
    ],
)
def test_illegal_moves_of_a_harvested_place(state, target):
    with pytest.raises(IllegalTransition):
        move_state(_entry(state), target)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "target"),
    [
        ("merged", "kept_both"),
        ("kept_both", "merged"),
        ("merged", "proposed"),
        ("kept_both", "proposed"),
        ("proposed", "proposed"),
    ],
)
def test_illegal_moves_of_a_duplicate(state, target):
    entry = _entry("harvested")
    candidate = DuplicateCandidate.objects.create(
        harvested=entry, local=make_place(), reason="siret", distance_m=0, state=state
    )
    with pytest.raises(IllegalTransition):
        move_state(candidate, target)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "target"),
    [("delivered", "pending"), ("delivered", "failed"), ("failed", "delivered")],
)
def test_illegal_moves_of_a_webhook_delivery(state, target):
    subscription, _secret = services.subscribe_webhook(
        actor=SYSTEM, url="https://93.184.216.34/hook"
    )
    from django.utils import timezone

    delivery = WebhookDelivery.objects.create(
        subscription=subscription,
        body="{}",
        first_seq=1,
        last_seq=1,
        state=state,
        next_attempt_at=timezone.now(),
    )
    with pytest.raises(IllegalTransition):
        move_state(delivery, target)
    if state == "delivered":
        with pytest.raises(IllegalTransition):
            services.retry_delivery(actor=SYSTEM, delivery=delivery)


@pytest.mark.django_db
def test_a_place_not_harvested_cannot_be_taken_over():
    with pytest.raises(ValidationFailed):
        services.take_over_place(actor=SYSTEM, place=make_place())


@pytest.mark.django_db
def test_one_active_harvest_per_peer_is_held_by_the_database():
    peer = make_peer("https://93.184.216.34")
    services.queue_harvest(actor=SYSTEM, peer=peer, launch=False)
    with pytest.raises(Conflict):
        services.queue_harvest(actor=SYSTEM, peer=peer, launch=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        HarvestJob.objects.create(peer=peer, state="running")


_IPV4 = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)


@given(_IPV4)
def test_an_ipv4_address_is_refused_alike_in_every_ipv6_form(address):
    """Mapped, NAT64 and 6to4 forms carry the same verdict as the address itself (or stricter:
    an IPv6 wrapper is never more permissive)."""
    verdict = refusal(address) is None
    forms = [
        ipaddress.IPv6Address(f"::ffff:{address}"),
        ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(address)),
        ipaddress.IPv6Address((0x2002 << 112) | (int(address) << 80) | 1),
    ]
    for form in forms:
        if not verdict:
            assert refusal(form) is not None, form
