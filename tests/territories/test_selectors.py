"""Resolving territory references and walking the hierarchy."""

import pytest

from maillage.territories.selectors import (
    CommuneIndex,
    UnknownTerritory,
    child_territories,
    parent_territories,
    resolve_territory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("ref", "level", "name"),
    [
        ("departement:64", "departement", "Pyrénées-Atlantiques"),
        ("64", "departement", "Pyrénées-Atlantiques"),
        ("75", "region", "Nouvelle-Aquitaine"),
        ("departement:75", "departement", "Paris"),
        ("64445", "commune", "Pau"),
        ("commune:64445", "commune", "Pau"),
        ("200067254", "epci", "CA Pau Béarn Pyrénées"),
        (" Region:75 ", "region", "Nouvelle-Aquitaine"),
    ],
)
def test_references_resolve(ref, level, name):
    territory = resolve_territory(ref)
    assert (territory.level, territory.name) == (level, name)


@pytest.mark.parametrize("ref", ["99", "canton:12", "commune:00000", ""])
def test_unknown_references_explain_the_format(ref):
    with pytest.raises(UnknownTerritory) as caught:
        resolve_territory(ref)
    assert "departement" in str(caught.value)


def test_hierarchy_both_ways():
    pau = resolve_territory("64445")
    assert [t.code for t in parent_territories(pau)] == ["75", "64", "200067254"]
    epci = resolve_territory("200067254")
    assert [t.code for t in child_territories(epci)] == ["64445", "64348"]


@pytest.mark.parametrize("preload", [True, False])
def test_commune_index_matches_postal_code_and_name(preload):
    index = CommuneIndex.preload() if preload else CommuneIndex()
    assert index.by_code("64445").name == "Pau"
    assert index.by_code("00000") is None
    assert index.by_postal_code_and_name("64230", "lescar").code == "64348"
    assert index.by_postal_code_and_name("64000", "").code == "64445"
    assert index.by_postal_code_and_name("64000", "Bordeaux") is None
