"""The demo data set: deterministic, about 150 valid places of every kind, idempotent to load."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from maillage.common.geo import haversine_km
from maillage.devtools.demo import (
    DEMO_NOTICE,
    DEMO_SOURCE,
    FICTION_PHONE_BLOCKS,
    PAU_INSEE_CODE,
    DemoCommune,
    MissingCommunes,
    demo_rows,
    load_demo_places,
    plan_communes,
    read_demo_communes,
)
from maillage.places.kinds import PlaceKind
from maillage.places.models import Place, PlaceKindLink
from maillage.places.selectors import PlaceFilters, search_places
from maillage.places.validation import clean_place_input
from maillage.territories.selectors import CommuneIndex, get_territory
from maillage.territories.services import load_territories
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def synthetic_communes() -> dict[str, DemoCommune]:
    """Stand-ins for the plan's communes, so that generation is tested without the database."""
    return {
        code: DemoCommune(
            code=code,
            name=f"Commune {code}",
            latitude=45.0 + index / 100,
            longitude=1.0,
            postal_code="87000",
            population=1000 * index,
            departement_code=code[:2],
            region_code="75",
        )
        for index, code in enumerate(plan_communes())
    }


@pytest.fixture
def full_territories():
    """Every French territory (the demo plan uses about a hundred communes); takes seconds."""
    load_territories()


def test_generation_is_deterministic_and_independent_of_mapping_order():
    communes = synthetic_communes()
    reversed_communes = dict(reversed(list(communes.items())))
    assert demo_rows(communes=communes) == demo_rows(communes=reversed_communes)


def test_about_150_distinct_demo_places_of_every_kind():
    rows = demo_rows(communes=synthetic_communes())
    assert 140 <= len(rows) <= 170
    assert len({row["source_id"] for row in rows}) == len(rows)
    assert len({row["name"] for row in rows}) == len(rows)
    kinds = {kind for row in rows for kind in row["kinds"].split("|")}
    assert kinds == set(PlaceKind.values)
    assert all(row["description"].startswith(DEMO_NOTICE) for row in rows)


def test_legal_forms_follow_the_census_shares():
    """France Tiers-Lieux 2023: 51 % associations, then companies and local authorities."""
    forms = Counter(row["legal_form"] for row in demo_rows(communes=synthetic_communes()))
    total = sum(forms.values())
    assert 0.40 <= forms["association"] / total <= 0.60
    assert [form for form, _ in forms.most_common(3)] in (
        ["association", "company", "local_authority"],
        ["association", "local_authority", "company"],
    )


def test_contact_data_cannot_reach_anyone():
    """Reserved example.org domains; telephone numbers from ARCEP's blocks for fiction."""
    for row in demo_rows(communes=synthetic_communes()):
        assert row["website"].startswith("https://")
        assert row["website"].endswith(".example.org")
        assert row["email"].endswith(".example.org")
        assert row["phone"][:8] in FICTION_PHONE_BLOCKS.values()


def test_missing_communes_are_named():
    communes = synthetic_communes()
    del communes[PAU_INSEE_CODE]
    with pytest.raises(MissingCommunes) as error:
        demo_rows(communes=communes)
    assert error.value.codes == [PAU_INSEE_CODE]


def test_command_asks_for_the_territories_when_they_are_missing():
    """The test database holds only a sample of territories: the command says what to do."""
    with pytest.raises(CommandError, match="maillage load_territories"):
        call_command("load_demo", stdout=StringIO())
    assert not Place.objects.filter(source=DEMO_SOURCE).exists()


def test_load_demo_writes_valid_places_dense_around_pau(full_territories):
    rows = demo_rows(communes=read_demo_communes())
    communes = CommuneIndex.preload()
    for row in rows:
        _, errors = clean_place_input(row, communes=communes)
        assert errors == [], (row["source_id"], errors)
    # A demo place that an earlier version of the plan had and this one has not.
    make_place(name="Ancien lieu de démonstration", source=DEMO_SOURCE, source_id="demo-999")

    report = load_demo_places()

    assert (report.created, report.updated, report.unchanged, report.removed) == (
        len(rows),
        0,
        0,
        1,
    )
    demo = Place.objects.filter(source=DEMO_SOURCE)
    assert demo.count() == len(rows) == Place.objects.count()
    kinds = set(PlaceKindLink.objects.values_list("kind", flat=True))
    assert kinds == set(PlaceKind.values)
    pau = get_territory(level="commune", code=PAU_INSEE_CODE)
    near_pau = search_places(
        PlaceFilters(kinds=("fablab",), near=(pau.latitude, pau.longitude), radius_km=30),
        limit=100,
        offset=0,
    )
    open_fablabs = [item for item in near_pau.items if item["status"] == "open"]
    assert len(open_fablabs) >= 6
    assert all(
        haversine_km(pau.latitude, pau.longitude, item["latitude"], item["longitude"]) <= 30
        for item in open_fablabs
    )
    assert demo.filter(region_code="75").count() > len(rows) / 2
    assert demo.filter(address__startswith="Pau Cité Multimédia").exists()
    assert demo.exclude(region_code="75").exists()
    assert demo.filter(departement_code__in=["971", "972", "973", "974", "976"]).exists()


def test_second_load_changes_nothing(full_territories):
    first = StringIO()
    call_command("load_demo", stdout=first)
    stamps = dict(Place.objects.values_list("source_id", "updated_at"))
    second = StringIO()

    call_command("load_demo", stdout=second)

    assert f"0 créés, 0 mis à jour, {len(stamps)} inchangés, 0 retirés" in second.getvalue()
    assert dict(Place.objects.values_list("source_id", "updated_at")) == stamps
    # The hint about an administration account is for the first load only.
    assert "createsuperuser" in first.getvalue()
    assert "createsuperuser" not in second.getvalue()
