"""Who may make every write, by role: the permission matrix of places, networks, imports and
plans, through the services and through the API and pages where they exist.

The six people: anonymous, the staff of place A, the manager of A, the manager of B, the
coordinator of a network that contains A (not B), and an instance administrator. Services
answer allowed or PermissionDenied; the API 401 (no token), 403 (a right the person lacks) or
404 (a place they have no right on, as if it did not exist); pages redirect to sign in, 403 or
404 the same way.
"""

import io
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile

from maillage.accounts.services import create_api_token
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied
from maillage.common.lifecycle import move_state
from maillage.members import services as members
from maillage.members.models import Membership
from maillage.opendata.models import ImportJob, ImportState
from maillage.opendata.services import create_import_job, import_places, retry_import_job
from maillage.places import rules
from maillage.places.models import Place, PlaceRole
from maillage.places.services import (
    create_place,
    delete_place,
    grant_place_role,
    revoke_place_role,
    save_network,
    update_place,
)
from maillage.planning.models import PlanJob, PlanState
from maillage.planning.services import create_plan_job, retry_plan_job
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "staff_a", "manager_a", "manager_b", "coordinator", "admin")
NEW_PLACE = {"name": "Le Hangar", "kinds": ["coworking"], "insee_code": "64348"}
CSV = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n"
PLAN = {"territory": "64", "kind": "fablab", "radius_km": 10, "n_new": 1}


def allowed_to(*roles: str) -> list[tuple[str, bool]]:
    """The matrix row of one write: every role, with whether it may."""
    return [(role, role in roles) for role in ROLES]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world():
    people = {
        "anonymous": AnonymousUser(),
        "staff_a": UserFactory(username="equipe-a"),
        "manager_a": UserFactory(username="gestion-a"),
        "manager_b": UserFactory(username="gestion-b"),
        "coordinator": UserFactory(username="coordination"),
        "admin": AdminFactory(username="admin-instance"),
    }
    place_a = make_place(name="Lieu A", managers=[people["manager_a"]], staff=[people["staff_a"]])
    place_b = make_place(name="Lieu B", managers=[people["manager_b"]])
    network = save_network(
        actor=SYSTEM,
        network=None,
        data={
            "name": "Réseau béarnais",
            "slug": "bearn",
            "places": [place_a],
            "coordinators": [people["coordinator"]],
        },
    )
    return {**people, "place_a": place_a, "place_b": place_b, "network": network}


def attempt(write) -> bool:
    try:
        write()
    except PermissionDenied:
        return False
    return True


# --- services ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "allowed"), allowed_to("admin"))
def test_create_place(world, role, allowed):
    assert attempt(lambda: create_place(actor=world[role], data=NEW_PLACE)) == allowed
    assert Place.objects.filter(name="Le Hangar").exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("manager_a", "coordinator", "admin"))
def test_edit_a_place_of_the_network(world, role, allowed):
    change = lambda: update_place(  # noqa: E731
        actor=world[role], place=world["place_a"], changes={"description": "Ateliers"}
    )
    assert attempt(change) == allowed
    assert Place.objects.get(pk=world["place_a"].pk).description == ("Ateliers" if allowed else "")


@pytest.mark.parametrize(("role", "allowed"), allowed_to("manager_b", "admin"))
def test_edit_a_place_outside_the_network(world, role, allowed):
    change = lambda: update_place(  # noqa: E731
        actor=world[role], place=world["place_b"], changes={"description": "Ateliers"}
    )
    assert attempt(change) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("manager_a", "admin"))
def test_delete_place(world, role, allowed):
    assert attempt(lambda: delete_place(actor=world[role], place=world["place_a"])) == allowed
    assert Place.objects.filter(pk=world["place_a"].pk).exists() != allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("manager_a", "admin"))
def test_grant_role(world, role, allowed):
    newcomer = UserFactory()
    grant = lambda: grant_place_role(  # noqa: E731
        actor=world[role], place=world["place_a"], user=newcomer, role=PlaceRole.Role.STAFF
    )
    assert attempt(grant) == allowed
    assert PlaceRole.objects.filter(user=newcomer).exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("manager_a", "admin"))
def test_revoke_role(world, role, allowed):
    staff = world["staff_a"]
    revoke = lambda: revoke_place_role(actor=world[role], place=world["place_a"], user=staff)  # noqa: E731
    assert attempt(revoke) == allowed
    assert PlaceRole.objects.filter(user=staff).exists() != allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("admin"))
def test_edit_network(world, role, allowed):
    data = {"name": "Réseau", "slug": "bearn", "places": [world["place_b"]], "coordinators": []}
    edit = lambda: save_network(actor=world[role], network=world["network"], data=data)  # noqa: E731
    assert attempt(edit) == allowed
    assert world["network"].places.filter(pk=world["place_b"].pk).exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("admin"))
def test_import(world, role, allowed):
    run = lambda: import_places(actor=world[role], source="test", stream=io.BytesIO(CSV))  # noqa: E731
    assert attempt(run) == allowed
    assert Place.objects.filter(source="test").exists() == allowed


@pytest.mark.parametrize(
    ("role", "allowed"), allowed_to("staff_a", "manager_a", "manager_b", "coordinator", "admin")
)
def test_create_plan(world, role, allowed):
    assert attempt(lambda: create_plan_job(actor=world[role], **PLAN)) == allowed
    assert PlanJob.objects.exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("admin"))
def test_retry_import(world, role, allowed, settings):
    settings.IMPORT_FILE_RETENTION_DAYS = 30
    job = create_import_job(
        actor=world["admin"], source="web", file=ContentFile(CSV, name="lieux.csv")
    )
    move_state(job, ImportState.FAILED)
    assert attempt(lambda: retry_import_job(actor=world[role], job=job)) == allowed
    assert ImportJob.objects.get(pk=job.pk).state == (
        ImportState.SUCCEEDED if allowed else ImportState.FAILED
    )


@pytest.mark.parametrize(("role", "allowed"), allowed_to("manager_b", "admin"))
def test_retry_plan(world, role, allowed, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = create_plan_job(actor=world["manager_b"], **PLAN)  # manager B's own plan
    move_state(job, PlanState.FAILED)
    assert attempt(lambda: retry_plan_job(actor=world[role], job=job)) == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("staff_a", "manager_a", "admin"))
def test_invite_a_member(world, role, allowed):
    person = UserFactory(username="invitee")
    invite = lambda: members.invite_member(  # noqa: E731
        actor=world[role], place=world["place_a"], user=person
    )
    assert attempt(invite) == allowed
    assert Membership.objects.filter(user=person).exists() == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("staff_a", "manager_a", "admin"))
def test_accept_a_membership_request(world, role, allowed):
    request = members.request_membership(actor=UserFactory(), place=world["place_a"])
    assert attempt(lambda: members.accept_request(actor=world[role], membership=request)) == allowed
    assert Membership.objects.get(pk=request.pk).is_active == allowed


@pytest.mark.parametrize(("role", "allowed"), allowed_to("staff_a", "manager_a", "admin"))
def test_create_a_membership_plan(world, role, allowed):
    create = lambda: members.create_plan(  # noqa: E731
        actor=world[role], place=world["place_a"], name="Mois", price_cents=100, period="month"
    )
    assert attempt(create) == allowed
    assert world["place_a"].plans.exists() == allowed


# --- scopers agree with the predicates ---------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("can", "predicate"),
    [
        ("run", rules.can_run_place),
        ("edit", rules.can_edit_place),
        ("manage", rules.can_manage_roles),
    ],
)
def test_places_where_lists_exactly_the_places_the_predicate_allows(world, role, can, predicate):
    user = world[role]
    expected = {place.pk for place in Place.objects.all() if predicate(user, place)}
    assert set(rules.places_where(user, can=can).values_list("pk", flat=True)) == expected


def test_places_where_knows_who_runs_what(world):
    names = lambda role, can: sorted(  # noqa: E731
        rules.places_where(world[role], can=can, instance_wide=False).values_list("name", flat=True)
    )
    assert names("staff_a", "view") == ["Lieu A"]
    assert names("staff_a", "edit") == []
    assert names("staff_a", "run") == ["Lieu A"]
    assert names("coordinator", "run") == []  # coordinators edit records, they do not operate
    assert names("coordinator", "edit") == ["Lieu A"]
    assert names("coordinator", "manage") == []
    assert names("admin", "view") == []  # every place is theirs to edit, none theirs to run
    assert rules.places_where(world["admin"], can="manage").count() == 2
    assert not rules.places_where(world["anonymous"], can="view").exists()
    with pytest.raises(ValueError):
        rules.places_where(world["admin"], can="own")


def test_a_missing_actor_is_a_type_error_not_the_system(world):
    with pytest.raises(TypeError):
        delete_place(actor=None, place=world["place_a"])
    with pytest.raises(TypeError):
        grant_place_role(actor=None, place=world["place_a"], user=world["manager_b"], role="staff")
    assert Place.objects.filter(pk=world["place_a"].pk).exists()


# --- API ---------------------------------------------------------------------------------------


def api(client, method: str, url: str, user, body=None, **kwargs):
    headers = {}
    if user.is_authenticated:
        headers["Authorization"] = f"Bearer {create_api_token(user=user, name='test')[1]}"
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(url, headers=headers, **kwargs)


def api_statuses(**statuses: int) -> list[tuple[str, int]]:
    return [(role, statuses[role]) for role in ROLES]


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=401, staff_a=403, manager_a=403, manager_b=403, coordinator=403, admin=201
    ),
)
def test_api_create_place(client, world, role, status):
    response = api(client, "post", "/api/v1/places", world[role], NEW_PLACE)
    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=401, staff_a=404, manager_a=200, manager_b=404, coordinator=200, admin=200
    ),
)
def test_api_edit_place(client, world, role, status):
    url = f"/api/v1/places/{world['place_a'].pk}"
    response = api(client, "patch", url, world[role], {"description": "Ateliers"})
    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=401, staff_a=404, manager_a=204, manager_b=404, coordinator=403, admin=204
    ),
)
def test_api_delete_place(client, world, role, status):
    response = api(client, "delete", f"/api/v1/places/{world['place_a'].pk}", world[role])
    assert response.status_code == status, response.content
    assert Place.objects.filter(pk=world["place_a"].pk).exists() == (status != 204)


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=401, staff_a=403, manager_a=403, manager_b=403, coordinator=403, admin=200
    ),
)
def test_api_import(client, world, role, status):
    upload = ContentFile(CSV, name="lieux.csv")
    response = api(
        client, "post", "/api/v1/imports", world[role], data={"source": "api", "file": upload}
    )
    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=401, staff_a=202, manager_a=202, manager_b=202, coordinator=202, admin=202
    ),
)
def test_api_create_plan(client, world, role, status, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = api(client, "post", "/api/v1/analysis/plans", world[role], PLAN)
    assert response.status_code == status, response.content


# --- pages -------------------------------------------------------------------------------------


def page(client, user, method: str, url: str):
    if user.is_authenticated:
        client.force_login(user)
    return getattr(client, method)(url)


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=302, staff_a=403, manager_a=403, manager_b=403, coordinator=403, admin=200
    ),
)
def test_page_create_place(client, world, role, status):
    assert page(client, world[role], "get", "/lieux/nouveau/").status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    api_statuses(
        anonymous=302, staff_a=404, manager_a=200, manager_b=404, coordinator=200, admin=200
    ),
)
def test_page_edit_place(client, world, role, status):
    url = f"/lieux/{world['place_a'].slug}/modifier/"
    assert page(client, world[role], "get", url).status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    # The coordinator reaches the page (they edit the place) but the service refuses the
    # deletion: a refusal raised inside a page answers 403, not 500.
    api_statuses(
        anonymous=302, staff_a=404, manager_a=302, manager_b=404, coordinator=403, admin=302
    ),
)
def test_page_delete_place(client, world, role, status):
    response = page(client, world[role], "post", f"/lieux/{world['place_a'].slug}/supprimer/")
    assert response.status_code == status
    if status == 403:
        assert "Votre compte ne permet pas cette action" in response.content.decode()
    assert Place.objects.filter(pk=world["place_a"].pk).exists() == (
        role not in ("manager_a", "admin")
    )


def test_my_places_lists_what_each_person_runs_with_edit_links_for_editors(client, world):
    def listed(role):
        client.force_login(world[role])
        html = client.get("/comptes/mes-lieux/").content.decode()
        edit_a = f"/lieux/{world['place_a'].slug}/modifier/"
        return ("Lieu A" in html, "Lieu B" in html, edit_a in html)

    assert listed("staff_a") == (True, False, False)
    assert listed("manager_a") == (True, False, True)
    assert listed("coordinator") == (True, False, True)
    assert listed("manager_b") == (False, True, False)
