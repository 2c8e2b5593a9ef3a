"""The members' section of a person's data export and erasure."""

import pytest

from maillage.accounts.personal_data import erase_person, export_person
from maillage.members.models import Membership
from tests.factories import UserFactory, make_place
from tests.members.factories import make_membership, make_plan

pytestmark = pytest.mark.django_db


def test_a_person_s_memberships_are_exported_then_anonymised():
    place = make_place()
    person = UserFactory()
    membership = make_membership(place, person, plan=make_plan(place))
    Membership.objects.filter(pk=membership.pk).update(message="Je suis graphiste")

    exported = export_person(person)["memberships"]
    assert exported == [
        {
            "place": place.name,
            "place_uuid": str(place.uuid),
            "status": "active",
            "plan": "Mensuel",
            "start_date": membership.start_date.isoformat(),
            "end_date": None,
            "message": "Je suis graphiste",
            "in_directory": False,
            "show_email": False,
            "presentation": "",
            "created_at": membership.created_at.isoformat(),
        }
    ]

    erase_person(person)
    person.delete()
    kept = Membership.objects.get(pk=membership.pk)
    assert (kept.user_id, kept.message, kept.status) == (None, "", "active")
