"""POST, PATCH and DELETE /api/v1/places: bearer tokens and the permission matrix.

anonymous / manager of place A / manager of place B / instance admin × create, edit, delete:
admins do everything, managers edit and delete only their own place (others answer 404, as if
it did not exist), nobody else creates (403), and anonymous writes answer 401.
"""

import hashlib
import json

import pytest

from maillage.accounts.models import ApiToken
from maillage.accounts.services import create_api_token, revoke_api_token
from maillage.places.models import Place
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

NEW_PLACE = {"name": "Le Tiers-Lieu de Lescar", "kinds": ["coworking"], "insee_code": "64348"}


@pytest.fixture
def world():
    manager_a, manager_b = UserFactory(), UserFactory()
    place_a = make_place(name="Lieu A", managers=[manager_a])
    place_b = make_place(name="Lieu B", managers=[manager_b])
    return {
        "anonymous": None,
        "manager_a": manager_a,
        "manager_b": manager_b,
        "admin": AdminFactory(),
        "place_a": place_a,
        "place_b": place_b,
    }


def send(client, method: str, url: str, user=None, body=None):
    headers = {}
    if user is not None:
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='test')[1]}"
    return getattr(client, method)(
        url,
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        headers=headers,
    )


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anonymous", 401), ("manager_a", 403), ("manager_b", 403), ("admin", 201)],
)
def test_create(client, world, actor, status):
    response = send(client, "post", "/api/v1/places", world[actor], NEW_PLACE)
    assert response.status_code == status, response.content
    created = Place.objects.filter(name=NEW_PLACE["name"])
    assert created.exists() == (status == 201)
    if status == 201:
        body = response.json()
        assert body["id"] == created.get().pk
        assert body["kinds"] == ["coworking"]
        assert body["commune"] == {"level": "commune", "code": "64348", "name": "Lescar"}
        assert (body["latitude"], body["location_precision"]) == (43.3333, "commune")
    else:
        assert set(response.json()) == {"detail", "errors"}


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anonymous", 401), ("manager_a", 200), ("manager_b", 404), ("admin", 200)],
)
def test_edit_place_a(client, world, actor, status):
    place = world["place_a"]
    response = send(
        client, "patch", f"/api/v1/places/{place.pk}", world[actor], {"description": "Nouveau"}
    )
    assert response.status_code == status, response.content
    place.refresh_from_db()
    assert place.description == ("Nouveau" if status == 200 else "")
    if status == 200:
        assert response.json()["description"] == "Nouveau"
    if status == 404:
        assert response.json() == {"detail": "Lieu introuvable.", "errors": []}


@pytest.mark.parametrize(
    ("actor", "status"),
    [("anonymous", 401), ("manager_a", 204), ("manager_b", 404), ("admin", 204)],
)
def test_delete_place_a(client, world, actor, status):
    place = world["place_a"]
    response = send(client, "delete", f"/api/v1/places/{place.pk}", world[actor])
    assert response.status_code == status, response.content
    assert Place.objects.filter(pk=place.pk).exists() == (status != 204)
    assert Place.objects.filter(pk=world["place_b"].pk).exists()
    if status == 204:
        assert response.content == b""


def test_unknown_place_answers_404_even_to_admins(client, world):
    response = send(client, "patch", "/api/v1/places/999999", world["admin"], {"name": "X"})
    assert response.status_code == 404


def test_patch_changes_only_the_fields_sent(client, world):
    place = make_place(
        name="Complet",
        kinds=["fablab", "cultural"],
        services=["Café"],
        opening_hours="Mo-Fr 09:00-18:00",
        website="https://complet.example.org",
    )
    response = send(
        client,
        "patch",
        f"/api/v1/places/{place.pk}",
        world["admin"],
        {"name": "Complet et renommé", "services": ["Café", "Ateliers"]},
    )
    body = response.json()
    assert response.status_code == 200
    assert body["name"] == "Complet et renommé"
    assert body["services"] == ["Ateliers", "Café"]
    assert body["kinds"] == ["fablab", "cultural"]
    assert body["opening_hours"] == "Mo-Fr 09:00-18:00"
    assert body["website"] == "https://complet.example.org"
    assert body["slug"] == place.slug


def test_patch_with_null_empties_a_field(client, world):
    place = make_place(capacity=30, website="https://a.example.org")
    body = send(
        client,
        "patch",
        f"/api/v1/places/{place.pk}",
        world["admin"],
        {"capacity": None, "website": None},
    ).json()
    assert (body["capacity"], body["website"]) == (None, "")


def test_validation_errors_are_422_with_one_message_per_field(client, world):
    response = send(
        client,
        "post",
        "/api/v1/places",
        world["admin"],
        {
            "name": "Mauvais",
            "kinds": ["fablab", "spaceport"],
            "latitude": 10.0,
            "longitude": 10.0,
            "siret": "12345678901234",
            "opening_hours": "sometimes",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Les données envoyées sont invalides."
    assert {error["field"] for error in body["errors"]} == {
        "kinds",
        "latitude",
        "siret",
        "opening_hours",
    }
    assert not Place.objects.filter(name="Mauvais").exists()


def test_patch_validation_errors_leave_the_place_alone(client, world):
    place = world["place_a"]
    response = send(
        client,
        "patch",
        f"/api/v1/places/{place.pk}",
        world["manager_a"],
        {"name": "", "email": "not-an-email"},
    )
    assert response.status_code == 422
    assert {error["field"] for error in response.json()["errors"]} == {"name", "email"}
    place.refresh_from_db()
    assert place.name == "Lieu A"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kinds": ["fablab"], "insee_code": "64445"}, "name"),
        ({"name": "Sans type", "insee_code": "64445"}, "kinds"),
        ({**NEW_PLACE, "kind": "fablab"}, "kind"),
        ({**NEW_PLACE, "latitude": "north"}, "latitude"),
        ({**NEW_PLACE, "source_updated_at": "2025-01-01T10:00:00"}, "source_updated_at"),
    ],
)
def test_malformed_bodies_name_the_field(client, world, body, field):
    response = send(client, "post", "/api/v1/places", world["admin"], body)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_unauthenticated_write_says_how_to_authenticate(client, world):
    response = client.delete(f"/api/v1/places/{world['place_a'].pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "detail": "Authentification requise : en-tête « Authorization: Bearer <jeton> ».",
        "errors": [],
    }


@pytest.mark.parametrize("header", ["Bearer mlg_not-a-real-token", "Token abc", "Bearer "])
def test_bad_tokens_are_401(client, world, header):
    response = client.delete(
        f"/api/v1/places/{world['place_a'].pk}", headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert Place.objects.filter(pk=world["place_a"].pk).exists()


def test_revoked_token_is_401(client, world):
    admin = world["admin"]
    token, raw = create_api_token(user=admin, name="script")
    revoke_api_token(user=admin, token_id=token.pk)
    response = client.delete(
        f"/api/v1/places/{world['place_a'].pk}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_401(client, world):
    admin = world["admin"]
    raw = create_api_token(user=admin, name="script")[1]
    admin.is_active = False
    admin.save()
    response = client.delete(
        f"/api/v1/places/{world['place_a'].pk}", headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 401


def test_tokens_are_stored_hashed(client, world):
    token, raw = create_api_token(user=world["admin"], name="script")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert raw not in {stored.digest, stored.prefix, stored.name}
    response = client.patch(
        f"/api/v1/places/{world['place_a'].pk}",
        data=json.dumps({"name": "Renommé"}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 200
