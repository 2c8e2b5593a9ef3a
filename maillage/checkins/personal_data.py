"""A person's check-ins in their data export, and what erasing them leaves."""

from django.utils import timezone

from .models import CheckIn, PresencePreference


def export_checkins(user) -> dict:
    preference = PresencePreference.objects.filter(user=user).first()
    return {
        "visible_to_members": bool(preference and preference.visible_to_members),
        "stays": [
            {
                "place": checkin.place.name,
                "place_uuid": str(checkin.place.uuid),
                "checked_in_at": checkin.checked_in_at.isoformat(),
                "checked_out_at": checkin.checked_out_at.isoformat()
                if checkin.checked_out_at
                else None,
                "source": checkin.source,
            }
            for checkin in CheckIn.objects.filter(user=user).select_related("place")
        ],
    }


def erase_checkins(user) -> None:
    """Stays remain as anonymous rows (the place's daily counts); nothing points to the person.
    A stay still open is closed now: nobody is left « here » without a name."""
    CheckIn.objects.filter(user=user, checked_out_at=None).update(checked_out_at=timezone.now())
    CheckIn.objects.filter(user=user).update(user=None)
    CheckIn.objects.filter(recorded_by=user).update(recorded_by=None)
    PresencePreference.objects.filter(user=user).delete()
