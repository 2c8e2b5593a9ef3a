"""Places get a stable `uuid` and the change log `PlaceChange`.

The UUID is added in three steps so that existing rows each get their own value on SQLite and
PostgreSQL alike: a nullable column, filled row by row, then made unique and required (a
default on the new column would give every existing row the same value).
"""

import uuid

from django.db import migrations, models


def fill_uuids(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    places = list(Place.objects.filter(uuid__isnull=True).only("pk"))
    for place in places:
        place.uuid = uuid.uuid4()
    Place.objects.bulk_update(places, ["uuid"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("places", "0006_remove_place_managers")]

    operations = [
        migrations.AddField(
            model_name="place",
            name="uuid",
            field=models.UUIDField(editable=False, null=True, verbose_name="identifiant stable"),
        ),
        migrations.RunPython(fill_uuids, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="place",
            name="uuid",
            field=models.UUIDField(
                default=uuid.uuid4, editable=False, unique=True, verbose_name="identifiant stable"
            ),
        ),
        migrations.CreateModel(
            name="PlaceChange",
            fields=[
                ("seq", models.BigAutoField(primary_key=True, serialize=False)),
                ("uuid", models.UUIDField(db_index=True, verbose_name="identifiant stable")),
                (
                    "change",
                    models.CharField(
                        choices=[
                            ("created", "créé"),
                            ("updated", "modifié"),
                            ("deleted", "supprimé"),
                        ],
                        max_length=10,
                        verbose_name="changement",
                    ),
                ),
                ("at", models.DateTimeField(db_index=True, verbose_name="date")),
                ("source", models.CharField(blank=True, max_length=100, verbose_name="source")),
                (
                    "source_id",
                    models.CharField(
                        blank=True, max_length=200, verbose_name="identifiant à la source"
                    ),
                ),
            ],
            options={
                "verbose_name": "changement de lieu",
                "verbose_name_plural": "changements de lieux",
                "ordering": ["seq"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("change__in", ["created", "updated", "deleted"])),
                        name="place_change_valid",
                    )
                ],
            },
        ),
    ]
