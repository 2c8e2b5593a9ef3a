"""schema.org `Event` of an event page, for a `<script type="application/ld+json">` written
by the places' `jsonld_script` tag (no text inside can end the script early)."""

from typing import Any

from django.conf import settings

from maillage.places.formats import place_path
from maillage.places.formats.schemaorg import contained_in_place

from .calendar import event_url
from .models import Event, EventStatus, LocationKind, Visibility

SCHEMA_ORG = "https://schema.org"


def event_jsonld(event: Event) -> dict[str, Any]:
    zone = event.timezone
    if event.location_kind == LocationKind.ADDRESS or event.place is None:
        location: dict[str, Any] = {
            "@type": "Place",
            "name": event.address,
            "address": event.address,
        }
    else:
        place = event.place
        location = {
            "@type": "Place",
            # The place's own node on its page (`places.formats.schemaorg`) has this @id.
            "@id": f"urn:uuid:{place.uuid}",
            "url": settings.SITE_URL + place_path(place.slug),
            "name": f"{event.room.name}, {place.name}" if event.room_id else place.name,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": place.address,
                "postalCode": place.postal_code,
                "addressLocality": place.city,
                "addressCountry": "FR",
            },
            "geo": {
                "@type": "GeoCoordinates",
                "latitude": place.latitude,
                "longitude": place.longitude,
            },
        }
        territories = [
            (level, code, name)
            for level, code, name in (
                ("commune", place.insee_code, place.city),
                ("departement", place.departement_code, ""),
                ("region", place.region_code, ""),
            )
            if code and place.insee_code
        ]
        if area := contained_in_place(territories, settings.SITE_URL):
            location["containedInPlace"] = area
    data: dict[str, Any] = {
        "@context": SCHEMA_ORG,
        "@type": "Event",
        "@id": event_url(event),
        "url": event_url(event),
        "name": event.title,
        "description": event.description[:500],
        "startDate": event.start.astimezone(zone).isoformat(),
        "endDate": event.end.astimezone(zone).isoformat(),
        "eventStatus": f"{SCHEMA_ORG}/"
        + ("EventCancelled" if event.status == EventStatus.CANCELLED else "EventScheduled"),
        "eventAttendanceMode": f"{SCHEMA_ORG}/OfflineEventAttendanceMode",
        "location": location,
        "maximumAttendeeCapacity": event.capacity,
        "remainingAttendeeCapacity": event.seats_left,
        "isAccessibleForFree": event.is_free,
        "organizer": {"@type": "Organization", "name": event.organiser_name},
        "offers": {
            "@type": "Offer",
            "price": f"{event.price_cents / 100:.2f}",
            "priceCurrency": "EUR",
            "url": event_url(event),
            "availability": f"{SCHEMA_ORG}/" + ("InStock" if event.seats_left else "SoldOut"),
            "eligibleCustomerType": "Member"
            if event.visibility == Visibility.MEMBERS
            else "Public",
        },
    }
    if event.audience:
        data["audience"] = {"@type": "Audience", "audienceType": event.audience}
    if event.accessibility:
        # schema.org gives `accessibilitySummary` to creative works, not to events: what the
        # venue offers is a feature of the location.
        location["amenityFeature"] = [
            {
                "@type": "LocationFeatureSpecification",
                "name": event.accessibility,
                "value": True,
            }
        ]
    return data
