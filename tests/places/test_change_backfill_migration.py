"""The migration that gives places created before the change log their "created" entry, and
takes exactly those entries back."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("places", "0007_add_place_uuid_and_changes")]
AFTER = [("places", "0008_record_creation_of_existing_places")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def entries(apps):
    return list(
        apps.get_model("places", "PlaceChange")
        .objects.order_by("seq")
        .values_list("uuid", "change", "at", "source", "source_id")
    )


@pytest.mark.django_db(transaction=True)
def test_existing_places_get_one_created_entry_in_id_order_and_lose_it_going_back():
    apps = migrate(BEFORE)
    place_model = apps.get_model("places", "Place")
    change_model = apps.get_model("places", "PlaceChange")
    old = place_model.objects.create(
        name="Ancien", slug="ancien", latitude=43.3, longitude=-0.37, source="dep64", source_id="7"
    )
    older = place_model.objects.create(name="Vieux", slug="vieux", latitude=43.3, longitude=-0.37)
    logged = place_model.objects.create(name="Suivi", slug="suivi", latitude=43.3, longitude=-0.37)
    # `older` is created after `old` but dated before it: the entries follow the ids, not dates.
    place_model.objects.filter(pk=older.pk).update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    older.refresh_from_db()
    old.refresh_from_db()
    moment = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
    # What the services wrote once the log existed: a creation, and an update of `old`.
    change_model.objects.create(uuid=logged.uuid, change="created", at=moment)
    change_model.objects.create(
        uuid=old.uuid, change="updated", at=moment, source="dep64", source_id="7"
    )
    gone = uuid.uuid4()
    change_model.objects.create(uuid=gone, change="deleted", at=moment)
    written_by_services = entries(apps)

    apps = migrate(AFTER)
    after = entries(apps)
    assert after[:3] == written_by_services
    assert after[3:] == [
        (old.uuid, "created", old.created_at, "dep64", "7"),
        (older.uuid, "created", older.created_at, "", ""),
    ]
    # Every place now has exactly one "created" entry.
    created = [row[0] for row in after if row[1] == "created"]
    assert sorted(created) == sorted([old.uuid, older.uuid, logged.uuid])

    # Back and forward again: the same two entries, once.
    migrate(BEFORE)
    assert entries(apps) == written_by_services
    apps = migrate(AFTER)
    assert len(entries(apps)) == 5
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_feed_lists_a_place_created_before_the_log(client):
    apps = migrate(BEFORE)
    place = apps.get_model("places", "Place").objects.create(
        name="Ancien", slug="ancien", latitude=43.3, longitude=-0.37
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    items = client.get("/api/v1/places/changes").json()["items"]
    assert [(item["uuid"], item["change"], item["id"]) for item in items] == [
        (str(place.uuid), "created", place.pk)
    ]
