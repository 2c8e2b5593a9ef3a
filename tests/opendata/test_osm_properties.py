"""Properties of the OSM tag mapping (`places.formats.osm`): what is exported reads back."""

from hypothesis import given
from hypothesis import strategies as st

from maillage.places.formats.osm import (
    EXPORT_KIND_TAGS,
    kinds_from_tags,
    osm_diff,
    osm_tags,
    values_from_tags,
)
from maillage.places.kinds import Fees, PlaceKind

KINDS = st.lists(st.sampled_from(PlaceKind.values), min_size=1, max_size=4, unique=True)
WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèàç'-", min_size=1, max_size=12)
STREET = st.lists(WORD, min_size=1, max_size=4).map(lambda words: "Rue " + " ".join(words))
NUMBER = st.integers(min_value=1, max_value=999).map(str) | st.sampled_from(["12 bis", "3-5"])


def expected_kinds(kinds: list[str]) -> set[str]:
    mapped = {kind for kind in kinds if kind in EXPORT_KIND_TAGS}
    if PlaceKind.FABLAB in mapped:
        mapped.discard(PlaceKind.MAKERSPACE)  # one hackerspace tag, typed fablab
    if PlaceKind.RESSOURCERIE in mapped:
        mapped.discard(PlaceKind.RESSOURCERIE)  # read back only under that name (below)
    return mapped


@given(KINDS)
def test_exported_kinds_read_back(kinds):
    tags = osm_tags({"name": "Le Lieu", "kinds": kinds})
    assert set(kinds_from_tags(tags)) == expected_kinds(kinds)
    named = osm_tags({"name": "La Ressourcerie du Lieu", "kinds": kinds})
    if PlaceKind.RESSOURCERIE in kinds:
        assert PlaceKind.RESSOURCERIE in kinds_from_tags(named)


@given(NUMBER, STREET)
def test_addresses_split_and_join_back(number, street):
    address = f"{number} {street}"
    tags = osm_tags({"name": "Le Lieu", "kinds": ["coworking"], "address": address})
    assert (tags["addr:housenumber"], tags["addr:street"]) == (number, street)
    assert values_from_tags(tags)["address"] == address


FEES = st.lists(st.sampled_from(Fees.values), max_size=3, unique=True)


@given(FEES)
def test_exported_fees_read_back_when_the_tag_can_say_them(fees):
    """Free alone and paying alone come back; other fees give no tag, and so no fees."""
    values = values_from_tags(osm_tags({"name": "Le Lieu", "kinds": ["coworking"], "fees": fees}))
    sayable = set(fees) in ({Fees.FREE}, {Fees.PAID})
    assert values.get("fees") == (fees if sayable else None)


@given(KINDS, NUMBER, STREET, FEES)
def test_a_place_does_not_differ_from_its_own_export(kinds, number, street, fees):
    row = {
        "fees": fees,
        "name": "Le Lieu",
        "kinds": kinds,
        "address": f"{number} {street}",
        "opening_hours": "Mo-Fr 09:00-18:00",
        "phone": "+33559000000",
        "latitude": 43.3,
        "longitude": -0.37,
    }
    assert osm_diff(row, osm_tags(row), 43.3, -0.37) == []
