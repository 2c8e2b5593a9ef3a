"""GET /api/v1/kinds: the kind codes, labelled in the request's language."""

import pytest
from django.utils import translation

from maillage.places.kinds import PlaceKind

pytestmark = pytest.mark.django_db


def test_every_kind_with_its_label_and_data_inclusion_typology(client):
    kinds = client.get("/api/v1/kinds").json()
    assert [kind["code"] for kind in kinds] == PlaceKind.values
    assert kinds[0] == {
        "code": "coworking",
        "label": "Espace de coworking",
        "data_inclusion_typology": "TIERS_LIEUX",
    }
    assert {kind["code"]: kind["data_inclusion_typology"] for kind in kinds} == {
        "coworking": "TIERS_LIEUX",
        "telecentre": "TIERS_LIEUX",
        "fablab": "FABLAB",
        "makerspace": "FABLAB",
        "repair_cafe": None,
        "ressourcerie": "RESSOURCERIE",
        "tool_library": None,
        "digital_inclusion": "EPN",
        "cultural": "TIERS_LIEUX",
        "food": "TIERS_LIEUX",
        "social_innovation_lab": "TIERS_LIEUX",
        "incubator": None,
        "connected_campus": None,
        "associative_cafe": "TIERS_LIEUX",
        "other": "TIERS_LIEUX",
    }


def test_labels_follow_accept_language(client):
    kinds = client.get("/api/v1/kinds", headers={"Accept-Language": "en"}).json()
    with translation.override("en"):
        expected = [str(kind.label) for kind in PlaceKind]
    assert [kind["label"] for kind in kinds] == expected
