"""The member directory shows only what each member agreed to; "Mon espace" and its sections."""

import pytest

from maillage.common.errors import PermissionDenied
from maillage.members import member_page, services
from maillage.members.models import Membership
from tests.accounts.factories import UserFactory
from tests.members.factories import make_membership, make_plan
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

Status = Membership.Status


@pytest.fixture
def place():
    return make_place(name="La Fabrique")


def member(place, username, *, status=Status.ACTIVE, **consent):
    person = UserFactory(
        username=username,
        first_name=username.capitalize(),
        last_name="Secretname",
        email=f"{username}@example.org",
    )
    membership = make_membership(place, person, status=status, plan=make_plan(place, name=username))
    if consent:
        services.update_directory_consent(actor=person, membership=membership, **consent)
    return person


def test_the_directory_shows_only_what_each_member_agreed_to_show(client, place):
    shown = member(place, "anna", in_directory=True, show_email=True, presentation="Soudure")
    member(place, "bruno", in_directory=True, show_email=False, presentation="")
    member(place, "chloe")  # never asked to appear
    member(place, "denis", in_directory=False, show_email=True, presentation="Caché")
    member(place, "emma", status=Status.SUSPENDED)
    client.force_login(shown)
    response = client.get(f"/lieux/{place.slug}/annuaire/")
    assert response.context["entries"] == [
        {"name": "Anna Secretname", "email": "anna@example.org", "presentation": "Soudure"},
        {"name": "Bruno Secretname", "email": "", "presentation": ""},
    ]
    page = response.content.decode()
    for leaked in (
        "bruno@example.org",
        "chloe",
        "Chloe",
        "denis",
        "Denis",
        "Caché",
        "emma",
        "Emma",
    ):
        assert leaked not in page, leaked
    # Nor what only staff see: plans, messages, statuses of others.
    assert "bruno" not in page.lower().replace("bruno secretname", "")


def test_the_directory_is_for_active_members_and_staff_only(client, place):
    member(place, "anna", in_directory=True, show_email=False)
    staff = UserFactory()
    from maillage.common.actors import SYSTEM
    from maillage.places.services import grant_place_role

    grant_place_role(actor=SYSTEM, place=place, user=staff, role="staff")
    url = f"/lieux/{place.slug}/annuaire/"
    for person, status in (
        (UserFactory(), 404),
        (member(place, "asking", status=Status.REQUESTED), 404),
        (member(place, "ended", status=Status.ENDED), 404),
        (staff, 200),
    ):
        client.force_login(person)
        assert client.get(url).status_code == status, person


def test_a_public_name_never_shows_an_address_used_as_username(client, place):
    person = UserFactory(username="zoe@example.org", email="zoe@example.org", first_name="")
    membership = make_membership(place, person)
    services.update_directory_consent(
        actor=person, membership=membership, in_directory=True, show_email=False
    )
    client.force_login(member(place, "voisin"))
    response = client.get(f"/lieux/{place.slug}/annuaire/")
    assert response.context["entries"] == [{"name": "Membre", "email": "", "presentation": ""}]
    assert "zoe@example.org" not in response.content.decode()


def test_only_the_member_sets_their_consent(client, place):
    person = member(place, "anna")
    membership = Membership.objects.get(user=person)
    with pytest.raises(PermissionDenied):
        services.update_directory_consent(
            actor=UserFactory(), membership=membership, in_directory=True, show_email=True
        )
    client.force_login(person)
    response = client.post(
        f"/mon-espace/adhesions/{membership.pk}/annuaire/",
        {"in_directory": "on", "presentation": "  Menuiserie  "},
    )
    assert response["Location"] == "/mon-espace/"
    membership.refresh_from_db()
    assert (membership.in_directory, membership.show_email, membership.presentation) == (
        True,
        False,
        "Menuiserie",
    )
    client.force_login(UserFactory())
    assert client.get(f"/mon-espace/adhesions/{membership.pk}/annuaire/").status_code == 404


@pytest.fixture
def registered_sections():
    """Only the test's sections: the apps above (bookings…) register theirs at start-up."""
    installed = dict(member_page._sections)
    member_page._sections.clear()
    yield
    member_page._sections.clear()
    member_page._sections.update(installed)


def test_other_apps_add_their_sections_to_the_member_s_page(
    client, place, registered_sections, tmp_path, settings
):
    folder = tmp_path / "sections"
    folder.mkdir()
    (folder / "later.html").write_text("<section><h2>Plus tard</h2>{{ who }}</section>")
    (folder / "first.html").write_text("<section><h2>Section d’essai</h2></section>")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], tmp_path]}]
    member_page.register_section(
        "test-later", "sections/later.html", lambda request: {"who": request.user.username}, 50
    )

    def first_context(request):
        return {}

    member_page.register_section("test-first", "sections/first.html", first_context, 10)
    member_page.register_section("test-hidden", "sections/first.html", lambda request: None, 5)
    # The same registration twice is harmless (ready() may run twice); another is a mistake.
    member_page.register_section("test-first", "sections/first.html", first_context, 10)
    with pytest.raises(ValueError, match="twice"):
        member_page.register_section("test-first", "sections/later.html", lambda request: {}, 10)

    person = UserFactory(username="ada")
    client.force_login(person)
    page = client.get("/mon-espace/").content.decode()
    assert page.index("Section d’essai") < page.index("Plus tard") < page.index("Mon compte")
    assert "<section><h2>Plus tard</h2>ada</section>" in page
    assert page.count("Section d’essai") == 1


def test_the_directory_and_my_space_cost_the_same_queries_for_more_members(client, place):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = member(place, "anna", in_directory=True, show_email=True)
    for index in range(3):
        member(place, f"m{index}", in_directory=True, show_email=True)
    client.force_login(viewer)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count(f"/lieux/{place.slug}/annuaire/"), count("/mon-espace/")
    for index in range(10):
        member(place, f"n{index}", in_directory=True, show_email=False, presentation="Couture")
        make_membership(make_place(name=f"Autre {index}"), viewer)
    assert (count(f"/lieux/{place.slug}/annuaire/"), count("/mon-espace/")) == few
