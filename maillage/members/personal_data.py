"""A person's memberships in their data export, and what erasing them leaves."""

from maillage.places import moves

from .models import Membership


def export_memberships(user) -> list[dict]:
    return [
        {
            "place": membership.place.name,
            "place_uuid": str(membership.place.uuid),
            "status": membership.status,
            "plan": membership.plan.name if membership.plan else None,
            "start_date": membership.start_date.isoformat() if membership.start_date else None,
            "end_date": membership.end_date.isoformat() if membership.end_date else None,
            "message": membership.message,
            "in_directory": membership.in_directory,
            "show_email": membership.show_email,
            "presentation": membership.presentation,
            "created_at": membership.created_at.isoformat(),
        }
        for membership in Membership.objects.filter(user=user).select_related("place", "plan")
    ]


def erase_memberships(user) -> None:
    """Memberships stay as anonymous lines (the place's member counts and what was owed); the
    person's words and directory entry go. Their network hours then count nowhere
    (places.moves): this eraser runs before sharing's, which empties their time accounts."""
    with moves.moving(users=[user.pk]):
        Membership.objects.filter(user=user).update(
            user=None, message="", in_directory=False, show_email=False, presentation=""
        )
    Membership.objects.filter(decided_by=user).update(decided_by=None)
