"""Free-text search of places with the database's own tools (places/search.py): what is
searched, ranking, typo tolerance, and the index kept in step with every write path."""

import csv
import io

import pytest
from django.db import connection, transaction

from maillage.common.actors import SYSTEM
from maillage.devtools.demo import load_demo_places
from maillage.opendata.services import import_places
from maillage.places.formats.canonical import CANONICAL_FIELDS
from maillage.places.models import Place
from maillage.places.search import (
    SQLITE_TRIGGERS,
    bulk_indexing,
    edit_variants,
    ensure_search_index,
    match_expression,
    search_document,
)
from maillage.places.selectors import PlaceFilters, search_places
from maillage.places.services import delete_place, update_place
from maillage.territories.services import load_territories
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db


def found(q: str, **filters) -> list[str]:
    return [item["name"] for item in search_places(PlaceFilters(q=q, **filters)).items]


def test_the_demo_data_answers_what_people_type():
    """The figures of the issue on `make run`'s data: every coworking, every place offering
    3D printing, Pau's places by postal code, fablabs despite a typo."""
    load_territories()
    load_demo_places()
    demo = Place.objects.filter(source="demo")
    coworkings = set(demo.filter(kind_links__kind="coworking").values_list("name", flat=True))
    assert len(coworkings) > 20
    assert set(found("coworking")) == coworkings
    printing = set(demo.filter(services__name="Impression 3D").values_list("name", flat=True))
    assert len(printing) >= 10
    assert set(found("impression 3D")) == printing
    assert set(found("Impression 3d")) == printing
    pau = set(demo.filter(postal_code="64000").values_list("name", flat=True))
    assert pau and set(found("64000")) == pau
    fablabs = set(demo.filter(kind_links__kind="fablab").values_list("name", flat=True))
    assert set(found("fablab")) >= fablabs
    # The same places (their order may differ: a typo ranks every fablab alike).
    assert set(found("fablb")) == set(found("fablab"))  # one letter missing
    assert set(found("fbalab")) == set(found("fablab"))  # two letters swapped
    assert set(found("coworkinf")) == coworkings  # one letter wrong


@pytest.fixture
def places():
    return {
        "fablab": make_place(
            name="Le Fablab de Pau",
            kinds=["fablab"],
            postal_code="64000",
            services=["Impression 3D", "Découpe laser"],
            equipment=["Imprimante 3D"],
            description="Un atelier ouvert à toutes et tous.",
        ),
        "cowork": make_place(
            name="La Ruche",
            kinds=["coworking"],
            insee_code="64348",
            postal_code="64230",
            latitude=43.3333,
            longitude=-0.4347,
            description="Bureaux partagés, café et imprimante.",
        ),
        "repair": make_place(
            name="Répar'Café",
            kinds=["repair_cafe"],
            description="On répare ensemble, le samedi.",
        ),
    }


def test_every_part_of_a_place_is_searched(places):
    assert found("ruche") == ["La Ruche"]  # name
    assert found("lescar") == ["La Ruche"]  # commune (from the INSEE code)
    assert found("64230") == ["La Ruche"]  # postal code
    assert found("espace de coworking") == ["La Ruche"]  # kind label
    assert found("decoupe laser") == ["Le Fablab de Pau"]  # service, accents aside
    assert found("IMPRIMANTE 3D") == ["Le Fablab de Pau"]  # equipment
    assert found("samedi") == ["Répar'Café"]  # description
    assert found("repar") == ["Répar'Café"]  # punctuation aside


def test_words_match_the_words_they_start_and_all_must_match(places):
    assert found("fab") == ["Le Fablab de Pau"]  # the start of a word
    assert found("fa") == ["Le Fablab de Pau"]
    assert found("lab") == []  # not the inside of a word
    assert sorted(found("imprim")) == ["La Ruche", "Le Fablab de Pau"]
    assert found("imprim laser") == ["Le Fablab de Pau"]  # every word
    assert found("ruche laser") == []
    assert found("zorglub") == []


def test_one_typo_is_forgiven_when_the_word_matches_nothing(places):
    assert found("fablb") == ["Le Fablab de Pau"]
    assert found("rucje") == ["La Ruche"]
    assert found("lasre") == ["Le Fablab de Pau"]
    assert found("afblab") == ["Le Fablab de Pau"]  # swapped first letters
    assert found("xfablab") == ["Le Fablab de Pau"]  # a letter too many at the start
    # Two typos, or a short word, are not: "pau" is one edit from many words.
    assert found("fblb") == []
    assert found("ruxje lasre") == []
    assert found("pax") == []


def test_results_are_ranked_by_relevance(places):
    make_place(name="Atelier bois", kinds=["makerspace"], description="Un fablab ? Presque.")
    assert found("fablab") == ["Le Fablab de Pau", "Atelier bois"]
    # Distance still orders a search near a point.
    near = found("fablab", near=(43.2951, -0.3708), radius_km=5)
    assert sorted(near) == ["Atelier bois", "Le Fablab de Pau"]


@pytest.mark.parametrize(
    "hostile",
    ['"', "fab*", "NEAR(fab lab)", "AND", "OR NOT", "-fab", "fab:*", "^fab", "(", "%", "_", "'"],
)
def test_query_syntax_of_the_engines_is_plain_text(places, hostile):
    """FTS5 and tsquery operators typed in a search are words (or nothing), never syntax."""
    search_places(PlaceFilters(q=hostile))


def test_the_api_and_the_list_page_search_the_same(client, places):
    api = client.get("/api/v1/places", {"q": "imprimante"}).json()
    assert sorted(item["name"] for item in api["items"]) == ["La Ruche", "Le Fablab de Pau"]
    page = client.get("/lieux/", {"q": "fablb"})
    assert "Le Fablab de Pau" in page.content.decode()
    assert "Les plus pertinents d’abord." in page.content.decode()


def test_the_index_follows_edits_and_deletions(places):
    update_place(actor=SYSTEM, place=places["cowork"], changes={"name": "La Fourmilière"})
    assert found("ruche") == []
    assert found("fourmiliere") == ["La Fourmilière"]
    update_place(actor=SYSTEM, place=places["cowork"], changes={"services": ["Bibliothèque"]})
    assert found("bibliotheque") == ["La Fourmilière"]
    delete_place(actor=SYSTEM, place=places["repair"])
    assert found("samedi") == []


def _import(rows: list[dict]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CANONICAL_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow({field: row.get(field, "") for field in CANONICAL_FIELDS})
    report = import_places(
        source="test", stream=io.BytesIO(buffer.getvalue().encode()), actor=SYSTEM
    )
    assert report.succeeded, report


def test_the_index_follows_the_bulk_import(places):
    row = {
        "source_id": "1",
        "name": "Le Hangar",
        "kinds": "makerspace",
        "insee_code": "64445",
        "latitude": "43.3",
        "longitude": "-0.37",
        "services": "Soudure",
    }
    _import([row])
    assert found("soudure") == ["Le Hangar"]
    _import([{**row, "name": "La Grange", "services": "Menuiserie"}])
    assert found("soudure") == []
    assert found("hangar") == []
    assert found("menuiserie grange") == ["La Grange"]


def _sqlite_index_state() -> tuple[set[str], int]:
    """(the triggers on places_place, the documents indexed), after FTS5's own check that the
    index holds exactly the words of the stored documents (it raises otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO places_place_fts(places_place_fts, rank) VALUES ('integrity-check', 1)"
        )
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT count(*) FROM places_place_fts_docsize")
        return triggers, cursor.fetchone()[0]


def test_a_bulk_import_indexes_its_places_itself_and_puts_the_triggers_back(places):
    """The bulk writer indexes its rows without SQLite's per-row triggers
    (search.bulk_indexing): afterwards the index matches the documents, and single-place
    writes are indexed again."""
    rows = [
        {
            "source_id": str(number),
            "name": f"Atelier {number}",
            "kinds": "makerspace",
            "insee_code": "64445",
            "description": "Soudure",
        }
        for number in range(1, 6)
    ]
    _import(rows)
    _import([{**row, "description": "Menuiserie"} for row in rows[:3]])
    if connection.vendor == "sqlite":
        triggers, documents = _sqlite_index_state()
        assert set(SQLITE_TRIGGERS) <= triggers
        assert documents == Place.objects.count()
    assert len(found("soudure")) == 2
    assert len(found("menuiserie")) == 3
    update_place(actor=SYSTEM, place=Place.objects.get(name="Atelier 4"), changes={"name": "Forge"})
    assert found("forge") == ["Forge"]


def test_a_failed_bulk_write_leaves_the_triggers_and_the_index_as_they_were(places):
    sqlite = connection.vendor == "sqlite"
    before = _sqlite_index_state() if sqlite else None
    place = places["cowork"]
    with transaction.atomic():  # the writer's transaction goes on after the failure
        with pytest.raises(RuntimeError), bulk_indexing() as index:
            index.forget([place.pk])
            Place.objects.filter(pk=place.pk).update(search_text="effacee")
            index.index([place.pk])
            raise RuntimeError("the write failed")
        if sqlite:
            assert _sqlite_index_state() == before
    assert found("effacee") == []
    assert found("ruche") == [place.name]


def test_bulk_indexing_needs_no_help_on_postgresql_and_keeps_every_place_found(places):
    """Whatever the database: places written inside `bulk_indexing` and indexed through it
    are found by their new words only."""
    place = places["cowork"]
    with transaction.atomic(), bulk_indexing() as index:
        index.forget([place.pk])
        Place.objects.filter(pk=place.pk).update(search_text="grenier partage")
        index.index([place.pk])
    assert found("grenier") == [place.name]
    assert found("ruche") == []


def test_the_search_index_is_in_place():
    """SQLite: the FTS5 table and its triggers, put back after a table rebuild drops them.
    PostgreSQL: the extensions, the text search configuration and the two GIN indexes."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            make_place(name="Avant la reconstruction")
            cursor.execute("DROP TRIGGER places_place_fts_insert")
            cursor.execute("DROP TRIGGER places_place_fts_update")
            make_place(name="Pendant la reconstruction")  # not indexed: no trigger
            assert found("pendant") == []
            ensure_search_index()
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            assert set(SQLITE_TRIGGERS) <= {row[0] for row in cursor.fetchall()}
            assert found("pendant") == ["Pendant la reconstruction"]  # rebuilt
            assert found("avant") == ["Avant la reconstruction"]
            # One indexed document per place (the FTS5 shadow table of document sizes).
            cursor.execute("SELECT count(*) FROM places_place_fts_docsize")
            assert cursor.fetchone()[0] == Place.objects.count()
        else:
            cursor.execute("SELECT extname FROM pg_extension")
            assert {"pg_trgm", "unaccent"} <= {row[0] for row in cursor.fetchall()}
            cursor.execute("SELECT cfgname FROM pg_ts_config WHERE cfgname = 'maillage_french'")
            assert cursor.fetchone() is not None
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'places_place'")
            assert {"place_search_fts", "place_search_trgm"} <= {
                row[0] for row in cursor.fetchall()
            }
            make_place(name="Création")
            assert found("creation") == ["Création"]


def test_search_document_is_folded_and_in_french():
    from django.utils import translation

    with translation.override("en"):
        document = search_document(
            name="L'Établi",
            city="Pau",
            postal_code="64000",
            description="Atelier",
            kinds=["coworking", "unknown"],
            services=["Impression 3D"],
            equipment=["Scie à ruban"],
        )
    assert document == "l etabli pau 64000 espace de coworking impression 3d scie a ruban atelier"


def test_one_edit_away():
    from maillage.places.search import is_one_edit_away

    for term in ("fablab", "fablb", "fablabs", "fbalab", "fablxb", "afblab", "ablab"):
        assert is_one_edit_away("fablab", term) == (term != "fablab"), term
        assert is_one_edit_away(term, "fablab") == (term != "fablab"), term
    for term in ("fablab", "fbl", "fablabss", "abfalb", "fxblxb", "cowork"):
        assert not is_one_edit_away("fablab", term) or term == "fablab", term
    # Every variant is one edit away, and nothing else two edits away is.
    assert all(is_one_edit_away("rucje", variant) for variant in edit_variants("rucje"))


def test_edit_variants_and_match_expression():
    variants = edit_variants("fablb")
    assert {"fablab", "fabl", "fabllb", "afblb", "fablc"} <= variants
    assert "fablb" not in variants
    assert len(edit_variants("abc")) < 36 * 8
    assert match_expression(["fab", "3d"], {"fab": ["fablab", "prefab"]}) == (
        '("fab"* OR "fablab" OR "prefab") AND ("3d"*)'
    )
