"""Import jobs take the progress and failure message of `common.models.Job`: `rows_done`
becomes `progress_done` (renamed: the counts stay), with a `progress_total` and an
`error_message`. The next migration fills them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("opendata", "0003_share_job_base")]

    operations = [
        migrations.RenameField("importjob", "rows_done", "progress_done"),
        migrations.AlterField(
            model_name="importjob",
            name="progress_done",
            field=models.PositiveBigIntegerField(default=0, verbose_name="avancement"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="progress_total",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="à faire"),
        ),
        migrations.AddField(
            model_name="importjob",
            name="error_message",
            field=models.TextField(blank=True, verbose_name="message d'échec"),
        ),
        migrations.AddConstraint(
            model_name="importjob",
            constraint=models.CheckConstraint(
                condition=models.Q(progress_total__isnull=True)
                | models.Q(progress_done__lte=models.F("progress_total")),
                name="importjob_progress_within_total",
            ),
        ),
    ]
