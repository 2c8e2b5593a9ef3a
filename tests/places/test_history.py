"""Every place write leaves a trace: a stable UUID, audit entries and the changes feed.

The feed (`GET /api/v1/places/changes`) is what mirrors and federation read: created, updated
and deleted places in order, resumable with a cursor, a deleted place kept as a tombstone.
"""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.audit.models import AuditEntry
from maillage.audit.selectors import verify_chain
from maillage.common.actors import SYSTEM
from maillage.common.appendonly import AppendOnlyError
from maillage.opendata.services import import_places
from maillage.places.models import Place, PlaceChange
from maillage.places.services import delete_place, update_place
from tests.accounts.factories import AdminFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

HEADER = "source_id,name,kinds,insee_code,description"


def csv_file(*lines: str) -> io.BytesIO:
    return io.BytesIO("\n".join([HEADER, *lines]).encode())


def read_feed(client, **params) -> dict:
    response = client.get("/api/v1/places/changes", params)
    assert response.status_code == 200, response.content
    return response.json()


def all_changes(client, *, limit: int) -> list[tuple[str, str]]:
    """Every (uuid, change) of the feed, page by page, following `next_cursor`."""
    seen, cursor = [], ""
    while True:
        page = read_feed(client, limit=limit, **({"cursor": cursor} if cursor else {}))
        seen.extend((item["uuid"], item["change"]) for item in page["items"])
        if page["next_cursor"] is None:
            return seen
        cursor = page["next_cursor"]


def test_the_uuid_survives_a_change_of_slug_and_a_reimport():
    place = make_place(name="La Fabrique", source="reseau", source_id="F1")
    uuid = place.uuid
    update_place(actor=SYSTEM, place=place, changes={"name": "La Grande Fabrique"})
    place.refresh_from_db()
    assert (place.uuid, place.slug) == (uuid, "la-fabrique-pau")
    import_places(actor=SYSTEM, source="reseau", stream=csv_file("F1,Autre nom,fablab,64445,"))
    place.refresh_from_db()
    assert (place.name, place.uuid) == ("Autre nom", uuid)


def test_the_api_gives_the_uuid(client):
    place = make_place()
    assert client.get(f"/api/v1/places/{place.pk}").json()["uuid"] == str(place.uuid)
    assert client.get("/api/v1/places").json()["items"][0]["uuid"] == str(place.uuid)
    feature = client.get("/api/v1/places.geojson").json()["features"][0]
    assert feature["properties"]["uuid"] == str(place.uuid)


def test_the_feed_gives_created_updated_and_deleted_places_in_order(client):
    kept = make_place(name="Gardé")
    gone = make_place(name="Supprimé", source="reseau", source_id="S1")
    update_place(actor=SYSTEM, place=kept, changes={"description": "Un atelier."})
    delete_place(actor=SYSTEM, place=gone)
    items = read_feed(client)["items"]
    assert [(item["uuid"], item["change"]) for item in items] == [
        (str(kept.uuid), "created"),
        (str(gone.uuid), "created"),
        (str(kept.uuid), "updated"),
        (str(gone.uuid), "deleted"),
    ]
    assert items[0] | {"at": None} == {
        "uuid": str(kept.uuid),
        "change": "created",
        "at": None,
        "source": "",
        "source_id": "",
        "id": kept.pk,
        "slug": kept.slug,
        "url": f"/lieux/{kept.slug}/",
    }
    # The tombstone: the place row is gone, its identity stays for mirrors to match.
    assert not Place.objects.filter(pk=gone.pk).exists()
    assert items[3] | {"at": None} == {
        "uuid": str(gone.uuid),
        "change": "deleted",
        "at": None,
        "source": "reseau",
        "source_id": "S1",
        "id": None,
        "slug": None,
        "url": None,
    }


def test_change_entries_are_never_changed_or_deleted_through_the_orm():
    make_place()
    entry = PlaceChange.objects.get()
    entry.change = PlaceChange.Change.DELETED
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        PlaceChange.objects.update(change=PlaceChange.Change.DELETED)
    with pytest.raises(AppendOnlyError):
        PlaceChange.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AppendOnlyError):
        PlaceChange.objects.bulk_update([entry], ["change"])
    assert PlaceChange.objects.get().change == PlaceChange.Change.CREATED


def test_an_update_that_changes_nothing_is_not_in_the_feed(client):
    place = make_place()
    update_place(actor=SYSTEM, place=place, changes={"name": place.name})
    assert [item["change"] for item in read_feed(client)["items"]] == ["created"]


def test_since_keeps_the_changes_made_from_then_on(client):
    make_place(name="Avant")
    cutoff = PlaceChange.objects.get().at
    # The log is append-only for the ORM: the entry is dated back in the database directly.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE places_placechange SET at = %s", [cutoff.replace(year=cutoff.year - 1)]
        )
    later = make_place(name="Après")
    items = read_feed(client, since=cutoff.isoformat())["items"]
    assert [item["uuid"] for item in items] == [str(later.uuid)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "pas-un-curseur"}, "cursor"),
        ({"cursor": "c2VxOi0x"}, "cursor"),
        ({"since": "hier"}, "since"),
    ],
)
def test_a_bad_cursor_or_date_is_a_422_naming_it(client, params, field):
    response = client.get("/api/v1/places/changes", params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_the_feed_runs_the_same_queries_whatever_the_page_size(client):
    for number in range(3):
        make_place(name=f"Lieu {number}")

    def queries(limit: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            read_feed(client, limit=limit)
        return len(captured)

    assert queries(1) == queries(3)


def test_a_bulk_import_writes_audit_entries_and_changes(client):
    admin = AdminFactory()
    import_places(
        source="reseau",
        stream=csv_file("A,Lieu A,fablab,64445,", "B,Lieu B,coworking,64445,"),
        actor=admin,
    )
    import_places(
        source="reseau",
        stream=csv_file("A,Lieu A,fablab,64445,Nouveau", "B,Lieu B,coworking,64445,"),
        actor=admin,
    )
    a, b = (Place.objects.get(source_id=source_id) for source_id in ("A", "B"))
    entries = list(AuditEntry.objects.filter(object_type="places.place"))
    assert [(entry.action, entry.object_id) for entry in entries] == [
        ("place.create", str(a.pk)),
        ("place.create", str(b.pk)),
        ("place.update", str(a.pk)),
    ]
    assert entries[2].changes == {"description": [None, "Nouveau"]}
    assert {entry.actor_id for entry in entries} == {admin.pk}
    assert entries[0].changes["kinds"] == [None, ["fablab"]]
    assert [
        (item["uuid"], item["change"], item["source_id"]) for item in read_feed(client)["items"]
    ] == [
        (str(a.uuid), "created", "A"),
        (str(b.uuid), "created", "B"),
        (str(a.uuid), "updated", "A"),
    ]
    assert verify_chain().first_bad_id is None


def test_a_dry_run_and_an_unchanged_import_leave_no_trace(client):
    import_places(
        actor=SYSTEM, source="reseau", stream=csv_file("A,Lieu A,fablab,64445,"), dry_run=True
    )
    assert (AuditEntry.objects.count(), PlaceChange.objects.count()) == (0, 0)
    import_places(actor=SYSTEM, source="reseau", stream=csv_file("A,Lieu A,fablab,64445,"))
    import_places(actor=SYSTEM, source="reseau", stream=csv_file("A,Lieu A,fablab,64445,"))
    assert (AuditEntry.objects.count(), PlaceChange.objects.count()) == (1, 1)


OPERATIONS = st.lists(st.sampled_from(["create", "update", "delete"]), min_size=1, max_size=12)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS, limit=st.integers(min_value=1, max_value=5))
def test_paging_with_any_limit_gives_back_the_exact_sequence(client, operations, limit):
    """Whatever was done and however the feed is paged, pages put end to end are the log:
    nothing twice, nothing missing, in order."""
    # Hypothesis runs every example in the same test transaction: start each from an empty log,
    # emptied in the database directly since the ORM refuses to delete entries.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM places_placechange")
    Place.objects.all().delete()
    expected, places = [], []
    for number, operation in enumerate(operations):
        if operation == "create" or not places:
            places.append(make_place(name=f"Lieu {number}"))
            expected.append((str(places[-1].uuid), "created"))
        elif operation == "update":
            update_place(actor=SYSTEM, place=places[-1], changes={"description": f"v{number}"})
            expected.append((str(places[-1].uuid), "updated"))
        else:
            place = places.pop()
            delete_place(actor=SYSTEM, place=place)
            expected.append((str(place.uuid), "deleted"))
    assert all_changes(client, limit=limit) == expected
