"""Labels get `key`, their identity (case and spacing aside), apart from `folded`, their search
form. Labels already merged by `folded` (`=1` and `-1`) cannot be told apart again; those that
exist stay distinct, with a suffix in the rare case where two of them share a key."""

import unicodedata

from django.db import migrations, models


def label_key(text):
    # A copy of maillage.common.text.label_key as it is when this migration is written.
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def fill_keys(apps, schema_editor):
    Label = apps.get_model("places", "Label")
    taken = set()
    labels = list(Label.objects.order_by("pk"))
    for label in labels:
        key = label_key(label.name)
        if (label.category, key) in taken:
            key = f"{key} #{label.pk}"
        taken.add((label.category, key))
        label.key = key
    Label.objects.bulk_update(labels, ["key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_add_place_name_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="label",
            name="key",
            field=models.CharField(default="", editable=False, max_length=400),
            preserve_default=False,
        ),
        migrations.RunPython(fill_keys, migrations.RunPython.noop, elidable=False),
        migrations.RemoveConstraint(model_name="label", name="label_unique_folded"),
        migrations.AddConstraint(
            model_name="label",
            constraint=models.UniqueConstraint(fields=("category", "key"), name="label_unique_key"),
        ),
        migrations.AddIndex(
            model_name="label",
            index=models.Index(fields=["folded"], name="label_folded_idx"),
        ),
    ]
