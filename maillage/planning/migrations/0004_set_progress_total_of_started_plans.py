"""Plans that have started count their progress in percentage points: out of 100. Pending
plans have no total until they start. Going back leaves nothing to undo: the total is dropped
with its column.

Apart from the schema change before it, so that PostgreSQL does not alter a table whose rows
this transaction has just updated.
"""

from django.db import migrations

PERCENT = 100


def count_out_of_a_hundred(apps, schema_editor):
    PlanJob = apps.get_model("planning", "PlanJob")
    PlanJob.objects.exclude(state="pending").update(progress_total=PERCENT)


class Migration(migrations.Migration):
    dependencies = [("planning", "0003_count_progress_out_of_a_total")]

    operations = [migrations.RunPython(count_out_of_a_hundred, migrations.RunPython.noop)]
