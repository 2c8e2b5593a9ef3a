from django.db import migrations


class Migration(migrations.Migration):
    """The managers live in PlaceRole now (copied by 0005)."""

    dependencies = [
        ("places", "0005_copy_managers_to_place_roles"),
    ]

    operations = [
        migrations.RemoveField(model_name="place", name="managers"),
    ]
