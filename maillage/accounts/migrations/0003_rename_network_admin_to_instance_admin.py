from django.db import migrations, models


class Migration(migrations.Migration):
    """`is_network_admin` becomes `is_instance_admin`, keeping every value: the right is over
    the whole instance, now that networks of places exist.
    """

    dependencies = [
        ("accounts", "0002_add_user_job_quota"),
    ]

    operations = [
        migrations.RenameField(
            model_name="user", old_name="is_network_admin", new_name="is_instance_admin"
        ),
        migrations.AlterField(
            model_name="user",
            name="is_instance_admin",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "Peut créer, modifier et supprimer tous les lieux, attribuer les rôles et "
                    "lancer des imports."
                ),
                verbose_name="administrateur·rice de l'instance",
            ),
        ),
    ]
