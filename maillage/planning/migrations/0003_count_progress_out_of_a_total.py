"""Plan jobs take the progress and failure message of `common.models.Job`: their percentage
becomes `progress_done`, counted out of a new `progress_total` (filled by the next migration),
and `error` is renamed `error_message`. Renames, so every value stays.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_share_job_base")]

    operations = [
        migrations.RemoveConstraint(model_name="planjob", name="planjob_progress_percent"),
        migrations.RenameField("planjob", "progress", "progress_done"),
        migrations.RenameField("planjob", "error", "error_message"),
        migrations.AlterField(
            model_name="planjob",
            name="progress_done",
            field=models.PositiveBigIntegerField(default=0, verbose_name="avancement"),
        ),
        migrations.AlterField(
            model_name="planjob",
            name="error_message",
            field=models.TextField(blank=True, verbose_name="message d'échec"),
        ),
        migrations.AddField(
            model_name="planjob",
            name="progress_total",
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name="à faire"),
        ),
        migrations.AddConstraint(
            model_name="planjob",
            constraint=models.CheckConstraint(
                condition=models.Q(progress_total__isnull=True)
                | models.Q(progress_done__lte=models.F("progress_total")),
                name="planjob_progress_within_total",
            ),
        ),
    ]
