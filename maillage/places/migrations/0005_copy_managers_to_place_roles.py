from django.db import migrations


def managers_to_roles(apps, schema_editor):
    """Every (place, manager) pair becomes a PlaceRole with the manager role."""
    Place = apps.get_model("places", "Place")
    PlaceRole = apps.get_model("places", "PlaceRole")
    pairs = Place.managers.through.objects.values_list("place_id", "user_id")
    PlaceRole.objects.bulk_create(
        [PlaceRole(place_id=place_id, user_id=user_id, role="manager") for place_id, user_id in pairs],
        ignore_conflicts=True,
        batch_size=1000,
    )


def roles_to_managers(apps, schema_editor):
    """Back to the managers list: managers only (staff did not exist before the roles)."""
    Place = apps.get_model("places", "Place")
    PlaceRole = apps.get_model("places", "PlaceRole")
    Through = Place.managers.through
    pairs = PlaceRole.objects.filter(role="manager").values_list("place_id", "user_id")
    Through.objects.bulk_create(
        [Through(place_id=place_id, user_id=user_id) for place_id, user_id in pairs],
        ignore_conflicts=True,
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0004_add_place_roles_and_networks"),
    ]

    operations = [migrations.RunPython(managers_to_roles, roles_to_managers)]
