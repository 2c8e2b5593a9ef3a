"""Places that existed before the change log (`0007_add_place_uuid_and_changes`) get their
"created" entry, so that a reader of `GET /api/v1/places/changes` from the start sees every
place. One entry per place that has no "created" entry, in id order (after the entries already
logged: a place created before the log and updated since shows its update first), dated the
place's `created_at` (now if it has none), with its source and source id, as `places.services`
writes them.

Going back removes exactly these entries: a "created" entry dated its place's own `created_at`.
The services date their entry a moment after the place row is saved, so their entries are never
removed by mistake.
"""

from django.db import migrations
from django.utils import timezone


def record_creations(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    PlaceChange = apps.get_model("places", "PlaceChange")
    logged = PlaceChange.objects.filter(change="created").values("uuid")
    now = timezone.now()
    PlaceChange.objects.bulk_create(
        (
            PlaceChange(
                uuid=place.uuid,
                change="created",
                at=place.created_at or now,
                source=place.source,
                source_id=place.source_id,
            )
            for place in Place.objects.exclude(uuid__in=logged)
            .order_by("pk")
            .only("uuid", "created_at", "source", "source_id")
            .iterator(chunk_size=2000)
        ),
        batch_size=500,
    )


def forget_creations(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    PlaceChange = apps.get_model("places", "PlaceChange")
    created_at = dict(Place.objects.values_list("uuid", "created_at").iterator(chunk_size=2000))
    backfilled = [
        seq
        for seq, place_uuid, at in PlaceChange.objects.filter(change="created")
        .values_list("seq", "uuid", "at")
        .iterator(chunk_size=2000)
        if created_at.get(place_uuid) == at
    ]
    for start in range(0, len(backfilled), 500):
        PlaceChange.objects.filter(seq__in=backfilled[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("places", "0007_add_place_uuid_and_changes")]

    operations = [migrations.RunPython(record_creations, forget_creations)]
