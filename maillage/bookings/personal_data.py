"""A person's bookings and qualifications in their data export, and what erasing them leaves."""

from .models import Booking, BookingSeries, QualificationGrant


def export_bookings(user) -> dict[str, list[dict]]:
    bookings = Booking.objects.filter(user=user).select_related("resource__place")
    grants = QualificationGrant.objects.filter(user=user).select_related("qualification__place")
    return {
        "bookings": [
            {
                "place": booking.resource.place.name,
                "resource": booking.resource.name,
                "resource_uuid": str(booking.resource.uuid),
                "start": booking.start.isoformat(),
                "end": booking.end.isoformat(),
                "seats": booking.seats,
                "status": booking.status,
                "note": booking.note,
                "created_at": booking.created_at.isoformat(),
            }
            for booking in bookings.order_by("start", "pk")
        ],
        "qualifications": [
            {
                "place": grant.qualification.place.name,
                "qualification": grant.qualification.name,
                "source": grant.source,
                "granted_on": grant.granted_on.isoformat(),
                "expires_on": grant.expires_on.isoformat() if grant.expires_on else None,
                "revoked_at": grant.revoked_at.isoformat() if grant.revoked_at else None,
            }
            for grant in grants.order_by("granted_on", "pk")
        ],
    }


def erase_bookings(user) -> None:
    """Bookings stay as anonymous hours used (the place's figures); the person's words go.
    Their qualification grants go with the account (cascade)."""
    Booking.objects.filter(user=user).update(user=None, note="")
    Booking.objects.filter(booked_by=user).update(booked_by=None)
    BookingSeries.objects.filter(user=user).update(user=None)
    QualificationGrant.objects.filter(granted_by=user).update(granted_by=None)
