"""GET /api/v1/places/{id}: everything public about a place."""

from datetime import UTC, datetime

import pytest

from tests.accounts.factories import UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def test_detail_has_every_field(client):
    manager = UserFactory()
    place = make_place(
        name="Le Hangar",
        kinds=["fablab", "makerspace"],
        status="open",
        description="Atelier partagé.\n\nOuvert à toutes et tous.",
        address="2 rue Émile Zola",
        postal_code="64000",
        opening_hours="24/7",
        website="lehangar.example.org",
        email="Contact@LeHangar.example.org",
        phone="05 59 00 00 00",
        siret="73282932000074",
        legal_form="association",
        services=["Impression 3D", "Café"],
        equipment=["Découpeuse laser"],
        wheelchair="limited",
        acceslibre_url="https://acceslibre.beta.gouv.fr/app/64-pau/a/lieu/erp/le-hangar/",
        mobility=["mobile"],
        fees=["free", "paid"],
        surface_m2=420,
        capacity=60,
        source="demo",
        source_id="hangar-1",
        source_updated_at=datetime(2025, 2, 1, 9, 30, tzinfo=UTC),
        managers=[manager],
    )
    body = client.get(f"/api/v1/places/{place.pk}").json()
    stamp = place.updated_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert body == {
        "id": place.pk,
        "uuid": str(place.uuid),
        "slug": "le-hangar-pau",
        "name": "Le Hangar",
        "url": "/lieux/le-hangar-pau/",
        "kinds": ["fablab", "makerspace"],
        "status": "open",
        "description": "Atelier partagé.\n\nOuvert à toutes et tous.",
        "address": "2 rue Émile Zola",
        "postal_code": "64000",
        "city": "Pau",
        "insee_code": "64445",
        "commune": {"level": "commune", "code": "64445", "name": "Pau"},
        "latitude": 43.2951,
        "longitude": -0.3708,
        "location_precision": "exact",
        "opening_hours": "24/7",
        "is_open_now": True,
        "website": "https://lehangar.example.org",
        "email": "contact@lehangar.example.org",
        "phone": "+33559000000",
        "siret": "73282932000074",
        "legal_form": "association",
        "services": ["Café", "Impression 3D"],
        "equipment": ["Découpeuse laser"],
        "wheelchair": "limited",
        "acceslibre_url": "https://acceslibre.beta.gouv.fr/app/64-pau/a/lieu/erp/le-hangar/",
        "mobility": ["mobile"],
        "audiences": [],
        "specific_support": [],
        "fees": ["free", "paid"],
        "access_modes": [],
        "support_modes": [],
        "surface_m2": 420,
        "capacity": 60,
        "source": "demo",
        "source_id": "hangar-1",
        "source_updated_at": "2025-02-01T09:30:00Z",
        "created_at": place.created_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "updated_at": stamp,
    }


@pytest.mark.parametrize(("hours", "open_now"), [("24/7", True), ("Mo-Su off", False), ("", None)])
def test_open_now(client, hours, open_now):
    place = make_place(opening_hours=hours)
    assert client.get(f"/api/v1/places/{place.pk}").json()["is_open_now"] is open_now


def test_unknown_place_answers_404_in_the_error_format(client):
    response = client.get("/api/v1/places/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Lieu introuvable.", "errors": []}
