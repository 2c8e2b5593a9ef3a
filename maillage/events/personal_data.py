"""A person's event registrations in their data export, and what erasing them leaves."""

from .models import EventFeed, Registration


def export_registrations(user) -> dict[str, list[dict]]:
    registrations = Registration.objects.filter(user=user).select_related(
        "event__place", "event__network"
    )
    return {
        "registrations": [
            {
                "event": registration.event.title,
                "organiser": registration.event.organiser_name,
                "start": registration.event.start.isoformat(),
                "end": registration.event.end.isoformat(),
                "status": registration.status,
                "attendance": registration.attendance,
                "created_at": registration.created_at.isoformat(),
            }
            for registration in registrations.order_by("event__start", "pk")
        ],
        "feeds": [
            {
                "prefix": feed.prefix,
                "created_at": feed.created_at.isoformat(),
                "revoked": bool(feed.revoked_at),
            }
            for feed in EventFeed.objects.filter(user=user)
        ],
    }


def erase_registrations(user) -> None:
    """Registrations stay as anonymous attendance (the event's figures); the person goes.

    Registrations made by someone else on the person's address (staff, a guest's own) keep no
    name or address either."""
    Registration.objects.filter(user=user).update(user=None, name="", email="")
    if user.email:
        Registration.objects.filter(user__isnull=True, email__iexact=user.email).update(
            name="", email=""
        )
    Registration.objects.filter(registered_by=user).update(registered_by=None)
