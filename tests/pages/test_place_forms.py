"""Editing, creating and deleting places from the pages and the Django admin.

Permission matrix: anonymous → sign-in page; manager of the place and instance admin → allowed;
manager of another place → 404 (the place is not theirs to see as editable); creation is for
instance admins only (403 for other signed-in people).
"""

import pytest
from django.contrib.auth.models import Permission

from maillage.audit.models import AuditEntry
from maillage.places.models import Place, PlaceRole
from tests.accounts.factories import UserFactory
from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

ALLOWED, NOT_FOUND, LOGIN, FORBIDDEN = "allowed", "404", "login", "403"
EDITORS = [
    ("anonymous", LOGIN),
    ("manager_a", ALLOWED),
    ("manager_b", NOT_FOUND),
    ("admin_user", ALLOWED),
]
CREATORS = [
    ("anonymous", LOGIN),
    ("manager_a", FORBIDDEN),
    ("manager_b", FORBIDDEN),
    ("admin_user", ALLOWED),
]


def sign_in(client, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))


def form_data(**overrides) -> dict:
    data = {
        "name": "La Fabrique",
        "kinds": ["fablab"],
        "status": "open",
        "insee_code": "64445",
        "latitude": "43.2951",
        "longitude": "-0.3708",
        "opening_hours": "Mo-Fr 09:00-18:00; PH off",
        "services": "Formation\nPrototypage",
        "equipment": "Découpeuse laser | Imprimante 3D",
    }
    data.update(overrides)
    return data


def assert_outcome(response, outcome, url):
    if outcome == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/comptes/connexion/?next={url.replace(':', '%3A')}"
    elif outcome == NOT_FOUND:
        assert response.status_code == 404
    elif outcome == FORBIDDEN:
        assert response.status_code == 403


@pytest.mark.parametrize(("who", "outcome"), EDITORS)
def test_edit_form_permissions(client, request, place_a, who, outcome):
    sign_in(client, request, who)
    url = f"/lieux/{place_a.slug}/modifier/"
    response = client.get(url)
    if outcome == ALLOWED:
        assert parse(response).select_one("#id_name")["value"] == "La Fabrique"
    assert_outcome(response, outcome, url)
    response = client.post(url, form_data(name="La Fabrique du Hédas"))
    assert_outcome(response, outcome, url)
    place_a.refresh_from_db()
    if outcome == ALLOWED:
        assert response.status_code == 302
        assert response["Location"] == f"/lieux/{place_a.slug}/"
        assert place_a.name == "La Fabrique du Hédas"
    else:
        assert place_a.name == "La Fabrique"


@pytest.mark.parametrize(("who", "outcome"), EDITORS)
def test_delete_permissions(client, request, place_a, who, outcome):
    sign_in(client, request, who)
    url = f"/lieux/{place_a.slug}/supprimer/"
    response = client.get(url)
    if outcome == ALLOWED:
        assert parse(response).h1.get_text() == "Supprimer « La Fabrique » ?"
    assert_outcome(response, outcome, url)
    response = client.post(url)
    assert_outcome(response, outcome, url)
    if outcome == ALLOWED:
        assert response["Location"] == "/lieux/"
    assert Place.objects.filter(pk=place_a.pk).exists() == (outcome != ALLOWED)


@pytest.mark.parametrize(("who", "outcome"), CREATORS)
def test_create_permissions(client, request, who, outcome):
    sign_in(client, request, who)
    response = client.get("/lieux/nouveau/")
    assert_outcome(response, outcome, "/lieux/nouveau/")
    response = client.post("/lieux/nouveau/", form_data(name="Le Hangar"))
    assert_outcome(response, outcome, "/lieux/nouveau/")
    created = Place.objects.filter(name="Le Hangar").first()
    if outcome == ALLOWED:
        assert response["Location"] == "/lieux/le-hangar-pau/"
        assert [link.kind for link in created.kind_links.all()] == ["fablab"]
        assert sorted(label.name for label in created.equipment.all()) == [
            "Découpeuse laser",
            "Imprimante 3D",
        ]
    else:
        assert created is None


def test_edit_form_shows_the_validator_errors_next_to_the_fields(client, place_a, manager_a):
    client.force_login(manager_a)
    response = client.post(
        f"/lieux/{place_a.slug}/modifier/",
        form_data(name="", kinds=[], siret="12345678901234", opening_hours="Lu 9h-18h"),
    )
    page = parse(response)
    errors = {
        field["id"].removeprefix("id_").removesuffix("_error"): field.get_text(" ", strip=True)
        for field in page.select("ul.errorlist[id]")
    }
    assert errors["name"] == "Le nom est obligatoire."
    assert errors["kinds"] == "Au moins un type de lieu est obligatoire."
    assert errors["siret"] == "SIRET invalide : 14 chiffres avec une clé de contrôle juste."
    assert errors["opening_hours"].endswith(
        "Exemple valide : « Mo-Fr 09:00-12:30,14:00-18:00; Sa 10:00-17:00; PH off »."
    )
    assert "Le formulaire contient 4 erreurs" in page.select_one(".alert-error").get_text()
    place_a.refresh_from_db()
    assert place_a.siret == "73282932000074"


def test_edit_form_keeps_commune_centre_locations_approximate(client, place_paris):
    client.force_login(UserFactory(is_instance_admin=True))
    url = f"/lieux/{place_paris.slug}/modifier/"
    page = parse(client.get(url))
    initial = {
        field["name"]: field.get("value", "")
        for field in page.select("form input[name]")
        if field.get("type") not in {"checkbox", "hidden"}
    }
    assert (initial["latitude"], initial["longitude"], initial["insee_code"]) == ("", "", "75056")
    response = client.post(
        url,
        form_data(
            name="Repair Café Belleville",
            kinds=["repair_cafe"],
            insee_code="75056",
            latitude="",
            longitude="",
            services="",
            equipment="",
        ),
    )
    assert response.status_code == 302
    place_paris.refresh_from_db()
    assert place_paris.location_precision == "commune"


def test_phone_is_edited_in_national_form(client, place_a, manager_a):
    client.force_login(manager_a)
    page = parse(client.get(f"/lieux/{place_a.slug}/modifier/"))
    assert page.select_one("#id_phone")["value"] == "05 59 00 00 00"
    assert page.select_one("#id_services").get_text() == "\nFormation\nPrototypage"


def test_forms_use_post_with_csrf(client, place_a, manager_a):
    client.force_login(manager_a)
    for url in (f"/lieux/{place_a.slug}/modifier/", f"/lieux/{place_a.slug}/supprimer/"):
        form = parse(client.get(url)).select_one("main form")
        assert form["method"] == "post"
        assert form.select_one("input[name=csrfmiddlewaretoken]") is not None


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def admin_form(**overrides) -> dict:
    return form_data(**overrides)


def test_admin_lists_and_filters_places(client, superuser, place_a, place_b):
    client.force_login(superuser)
    page = parse(client.get("/admin/places/place/?kind=coworking"))
    assert [a.get_text() for a in page.select("#result_list th.field-name a")] == ["Cowork Lescar"]
    page = parse(client.get("/admin/places/place/?q=fabrique"))
    assert [a.get_text() for a in page.select("#result_list th.field-name a")] == ["La Fabrique"]


def test_admin_creates_through_the_service(client, superuser, manager_a):
    client.force_login(superuser)
    response = client.post("/admin/places/place/add/", admin_form(name="Le Hangar"))
    assert response.status_code == 302
    place = Place.objects.get(name="Le Hangar")
    assert place.slug == "le-hangar-pau"
    assert place.departement_code == "64"
    assert not place.roles.exists()


def test_admin_grants_and_revokes_roles_through_the_services(client, superuser, manager_a):
    place = Place.objects.get(pk=make_place(name="Le Hangar").pk)
    client.force_login(superuser)
    response = client.post(
        "/admin/places/placerole/add/",
        {"place": place.pk, "user": manager_a.pk, "role": "staff"},
    )
    assert response.status_code == 302
    role = PlaceRole.objects.get(place=place, user=manager_a)
    assert role.role == "staff"
    assert AuditEntry.objects.filter(action="place.role.grant", actor=superuser).count() == 1
    response = client.post(f"/admin/places/placerole/{role.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not PlaceRole.objects.filter(place=place).exists()
    assert AuditEntry.objects.filter(action="place.role.revoke", actor=superuser).count() == 1


def test_admin_shows_a_manager_the_roles_of_their_places_only(client, place_a, place_b, manager_a):
    manager_a.is_staff = True
    manager_a.save()
    manager_a.user_permissions.add(*Permission.objects.filter(codename__endswith="placerole"))
    client.force_login(manager_a)
    page = parse(client.get("/admin/places/placerole/"))
    assert [a.get_text() for a in page.select("#result_list th.field-place a")] == [place_a.name]
    other = place_b.roles.get()
    assert client.get(f"/admin/places/placerole/{other.pk}/change/").status_code == 302
    response = client.post(
        "/admin/places/placerole/add/", {"place": place_b.pk, "user": manager_a.pk, "role": "staff"}
    )
    assert response.status_code == 200  # the form refuses a place whose roles they do not choose
    assert not place_b.roles.filter(user=manager_a).exists()


def test_admin_change_applies_the_validator(client, superuser, place_a):
    client.force_login(superuser)
    url = f"/admin/places/place/{place_a.pk}/change/"
    page = parse(client.get(url))
    assert page.select_one("#id_name")["value"] == "La Fabrique"
    response = client.post(url, admin_form(siret="12345678901234"))
    assert response.status_code == 200
    assert "SIRET invalide" in response.content.decode()
    response = client.post(url, admin_form(description="Nouvelle description"))
    assert response.status_code == 302
    place_a.refresh_from_db()
    assert place_a.description == "Nouvelle description"


def test_admin_delete_goes_through_the_service(client, superuser, place_a):
    client.force_login(superuser)
    response = client.post(f"/admin/places/place/{place_a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Place.objects.filter(pk=place_a.pk).exists()
