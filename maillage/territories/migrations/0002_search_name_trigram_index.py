"""On PostgreSQL, a trigram index on `search_name`: the territory search looks names up by
`LIKE '%…%'` (`selectors.territory_matches`), which a B-tree cannot serve. SQLite scans its
35,000 names, a few milliseconds."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute(
                "CREATE INDEX IF NOT EXISTS territory_search_trgm ON territories_territory "
                "USING gin (search_name gin_trgm_ops)"
            )


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS territory_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
