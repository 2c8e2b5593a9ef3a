"""Loading the shipped territory file is complete, quick and idempotent."""

import pytest
from django.db.models import Count

from maillage.territories.models import Territory
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db


def test_loading_twice_changes_nothing_the_second_time():
    first = load_territories()
    assert first.created + first.updated > 35000
    counts = dict(Territory.objects.values_list("level").annotate(n=Count("id")))
    # 18 régions and 101 départements, plus the six overseas collectivities (Saint-Pierre-et-
    # Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna, Polynésie, Nouvelle-Calédonie)
    # that the COG lists at both levels.
    assert counts["region"] == 18 + 6
    assert counts["departement"] == 101 + 6
    assert counts["commune"] > 34800
    assert counts["epci"] > 1200
    second = load_territories()
    assert (second.created, second.updated, second.deleted) == (0, 0, 0)
    assert second.unchanged == sum(counts.values())


def test_pau_is_located_and_linked():
    load_territories()
    pau = Territory.objects.get(level="commune", code="64445")
    assert (pau.departement_code, pau.region_code) == ("64", "75")
    assert abs(pau.latitude - 43.30) < 0.05
    assert abs(pau.longitude + 0.37) < 0.05
    assert "64000" in pau.postal_code_list
