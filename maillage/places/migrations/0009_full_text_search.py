"""Full-text search: every place's search document gains its postal code, kind labels,
services and equipment (`places.search.search_document`), and the database indexes it — an
FTS5 table kept in step by triggers on SQLite; on PostgreSQL the `pg_trgm` and `unaccent`
extensions, the `maillage_french` text search configuration and two GIN indexes.

Going back drops the index; the documents keep their new words (a superset of the old ones,
which the old `LIKE` search reads as well).
"""

from django.db import migrations

from maillage.places.search import (
    install_search_index,
    search_document,
    uninstall_search_index,
)

BATCH = 1000


def fill_documents(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    places = Place.objects.using(schema_editor.connection.alias).prefetch_related(
        "kind_links", "services", "equipment"
    )
    changed = []
    for place in places.iterator(chunk_size=BATCH):
        document = search_document(
            name=place.name,
            city=place.city,
            postal_code=place.postal_code,
            description=place.description,
            kinds=[link.kind for link in place.kind_links.all()],
            services=[label.name for label in place.services.all()],
            equipment=[label.name for label in place.equipment.all()],
        )
        if document != place.search_text:
            place.search_text = document
            changed.append(place)
    Place.objects.using(schema_editor.connection.alias).bulk_update(
        changed, ["search_text"], batch_size=BATCH
    )


def install(apps, schema_editor):
    install_search_index(schema_editor.connection)


def uninstall(apps, schema_editor):
    uninstall_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("places", "0008_record_creation_of_existing_places")]

    operations = [
        migrations.RunPython(fill_documents, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
