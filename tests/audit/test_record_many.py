"""`record_many` assembles each entry's hashed document from parts serialised once: the entries
it writes must be the ones `record` would write, whatever the changes hold."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.audit.models import AuditEntry
from maillage.audit.selectors import verify_chain
from maillage.audit.services import (
    PERSONAL,
    content_hash,
    entry_hash,
    hashed_content,
    record_many,
)
from maillage.common.actors import SYSTEM
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

# Texts with what JSON escapes (quotes, backslashes, control characters) and what it keeps as
# UTF-8 (accents, emoji); floats as places have them (coordinates), -0.0 and integral ones
# included, which the log stores canonical (test_chain_at_commit.py).
texts = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
plain = st.none() | st.booleans() | st.integers(-(10**15), 10**15) | texts
plain |= st.floats(-1e6, 1e6) | st.sampled_from([-0.0, 1e16, 43.0])
values = plain | st.lists(plain, max_size=3)
changes = st.dictionaries(
    st.sampled_from(["name", "email", "phone", "kinds", "latitude", 'é "clé"', "a\\b"]),
    st.tuples(values, values).map(list),
    max_size=5,
)


def canonical(value):
    """What the log stores for a value: integral floats as ints (`canonical_float`)."""
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entries=st.lists(
        st.tuples(st.sampled_from(["place.create", "place.update"]), texts, changes),
        min_size=1,
        max_size=4,
    )
)
def test_record_many_hashes_as_record(entries):
    last = AuditEntry.objects.order_by("-position").first()
    with transaction.atomic():
        record_many(
            actor=SYSTEM,
            object_type="places.place",
            entries=entries,
            personal_fields=("email", "phone"),
        )
    earlier = last.position if last else 0
    stored = list(AuditEntry.objects.filter(position__gt=earlier).order_by("position"))
    assert len(stored) == len(entries)
    previous = last.hash if last else "0" * 64
    for entry, (action, object_id, change) in zip(stored, entries, strict=True):
        assert (entry.action, entry.object_id) == (action, object_id)
        assert entry.previous_hash == previous
        assert entry.hash == entry_hash(hashed_content(entry), previous)
        assert entry.content_hash == content_hash(hashed_content(entry))
        for name, pair in change.items():
            if name in ("email", "phone"):
                assert entry.personal_changes[name] == pair
                assert entry.changes[name] == [
                    PERSONAL if value not in (None, "") else value for value in pair
                ]
            else:
                assert entry.changes[name] == canonical(pair)
        previous = entry.hash
    assert verify_chain().first_bad_id is None


def test_record_many_by_a_user_chains_after_earlier_entries():
    user = UserFactory()
    with transaction.atomic():
        record_many(actor=SYSTEM, object_type="places.place", entries=[("place.create", 1, {})])
    with transaction.atomic():
        record_many(
            actor=user,
            object_type="places.place",
            entries=[("place.update", 1, {"name": ["A", "B"]}), ("place.update", 2, {})],
        )
    entries = list(AuditEntry.objects.order_by("position"))
    assert [entry.actor_ref for entry in entries] == ["system", str(user.pk), str(user.pk)]
    assert [entry.position for entry in entries] == [1, 2, 3]
    assert verify_chain() == verify_chain().__class__(checked=3)
