"""The migrations of the roles: the managers list into PlaceRole rows and back, and the
network admin flag renamed with its values kept."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("places", "0003_add_label_key"), ("accounts", "0002_add_user_job_quota")]
AFTER = [
    ("places", "0006_remove_place_managers"),
    ("accounts", "0003_rename_network_admin_to_instance_admin"),
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_managers_become_manager_roles_and_come_back():
    apps = migrate(BEFORE)
    user_model = apps.get_model("accounts", "User")
    place_model = apps.get_model("places", "Place")
    ana = user_model.objects.create(username="ana", is_network_admin=True)
    bea = user_model.objects.create(username="bea")
    place = place_model.objects.create(name="Lieu", slug="lieu", latitude=43.3, longitude=-0.37)
    other = place_model.objects.create(name="Autre", slug="autre", latitude=43.3, longitude=-0.37)
    place.managers.set([ana, bea])
    other.managers.set([bea])

    apps = migrate(AFTER)
    admins = apps.get_model("accounts", "User").objects.filter(is_instance_admin=True)
    assert list(admins.values_list("username", flat=True)) == ["ana"]
    roles = apps.get_model("places", "PlaceRole").objects.values_list(
        "place__slug", "user__username", "role"
    )
    assert sorted(roles) == [
        ("autre", "bea", "manager"),
        ("lieu", "ana", "manager"),
        ("lieu", "bea", "manager"),
    ]

    apps = migrate(BEFORE)
    place_model = apps.get_model("places", "Place")
    managers = {
        p.slug: sorted(p.managers.values_list("username", flat=True))
        for p in place_model.objects.all()
    }
    assert managers == {"lieu": ["ana", "bea"], "autre": ["bea"]}
    assert apps.get_model("accounts", "User").objects.get(username="ana").is_network_admin
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
