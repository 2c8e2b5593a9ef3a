"""The sharing pages: readable without JavaScript, forms with error summaries, 404 for what a
person may not see, the sections of « Mon espace » and of the staff dashboard."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.common.actors import SYSTEM
from maillage.sharing import services
from maillage.sharing.models import Item, ItemPhoto, Loan, LoanState, Post, PostState
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place
from tests.sharing.factories import image_bytes, make_item, make_member, make_post, set_sharing

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = UserFactory(username="equipe")
    place = make_place(name="Outilthèque", staff=[staff])
    return {
        "place": place,
        "staff": staff,
        "member": make_member(place, username="ada"),
        "item": make_item(place, name="Perceuse"),
    }


def test_a_public_catalogue_is_open_to_everyone_a_private_one_to_members(client, world):
    place = world["place"]
    url = f"/lieux/{place.slug}/objets/"
    page = client.get(url)
    assert page.status_code == 200 and "Perceuse" in page.text and "<script>" not in page.text
    assert client.get(f"{url}{world['item'].pk}/").status_code == 200
    set_sharing(place, catalogue_public=False)
    assert client.get(url).status_code == 404
    assert client.get(f"{url}{world['item'].pk}/").status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(world["member"])
    assert client.get(url).status_code == 200


def test_the_catalogue_searches_and_filters(client, world):
    make_item(world["place"], name="Grelinette", category="garden")
    url = f"/lieux/{world['place'].slug}/objets/"
    assert "Grelinette" not in client.get(url, {"q": "perc"}).text
    garden = client.get(url, {"categorie": "garden"}).text
    assert "Grelinette" in garden and "Perceuse" not in garden


def test_staff_pages_answer_404_to_others(client, world):
    slug = world["place"].slug
    paths = [
        f"/lieux/{slug}/objets/gestion/",
        f"/lieux/{slug}/objets/nouveau/",
        f"/lieux/{slug}/objets/reglages/",
        f"/lieux/{slug}/objets/{world['item'].pk}/modifier/",
    ]
    for person in (world["member"], UserFactory(), make_member(make_place(name="B"))):
        client.force_login(person)
        for path in paths:
            assert client.get(path).status_code == 404, path
    client.force_login(world["staff"])
    for path in paths:
        assert client.get(path).status_code == 200, path


def test_a_foreign_item_or_loan_answers_404(client, world):
    other = make_place(name="Ailleurs")
    foreign = make_item(other, name="Scie")
    client.force_login(world["staff"])
    slug = world["place"].slug
    assert client.get(f"/lieux/{slug}/objets/{foreign.pk}/").status_code == 404
    loan = services.check_out(actor=SYSTEM, item=foreign, borrower=make_member(other))
    assert (
        client.post(f"/lieux/{slug}/prets/{loan.pk}/retour/", {"condition": "good"}).status_code
        == 404
    )
    assert client.post(f"/prets/{loan.pk}/prolonger/").status_code == 404


def test_the_item_form_shows_an_error_summary(client, world):
    client.force_login(world["staff"])
    url = f"/lieux/{world['place'].slug}/objets/nouveau/"
    refused = client.post(url, {"name": "", "category": "tools", "condition": "good"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text and "Le formulaire contient" in refused.text
    created = client.post(
        url,
        {
            "name": "Ponceuse",
            "category": "tools",
            "condition": "good",
            "replacement_value": "80",
            "deposit": "25.50",
            "loan_days": "7",
            "is_active": "on",
        },
    )
    item = Item.objects.get(name="Ponceuse")
    assert created.status_code == 302 and item.deposit_cents == 2550


def test_staff_lend_and_take_back_through_the_pages(client, world):
    client.force_login(world["staff"])
    slug, item = world["place"].slug, world["item"]
    unknown = client.post(f"/lieux/{slug}/objets/{item.pk}/preter/", {"borrower": "personne"})
    assert unknown.status_code == 400 and "Aucun compte" in unknown.text
    stranger = UserFactory(username="inconnu")
    refused = client.post(
        f"/lieux/{slug}/objets/{item.pk}/preter/", {"borrower": stranger.username}
    )
    assert refused.status_code == 400 and "membres actifs" in refused.text
    lent = client.post(
        f"/lieux/{slug}/objets/{item.pk}/preter/", {"borrower": "ada", "deposit_paid": "on"}
    )
    assert lent.status_code == 302
    loan = Loan.objects.get(item=item)
    damaged = client.post(
        f"/lieux/{slug}/prets/{loan.pk}/retour/", {"condition": "worn", "damaged": "on"}
    )
    assert damaged.status_code == 400 and "dommage" in damaged.text
    client.post(f"/lieux/{slug}/prets/{loan.pk}/retour/", {"condition": "worn", "notes": "ok"})
    loan.refresh_from_db()
    assert loan.state == LoanState.RETURNED
    history = client.get(f"/lieux/{slug}/objets/{item.pk}/").text
    assert "Historique" in history and "rendu" in history


def test_photos_upload_show_and_stay_members_only(client, world):
    client.force_login(world["staff"])
    slug, item = world["place"].slug, world["item"]
    bad = client.post(
        f"/lieux/{slug}/objets/{item.pk}/photos/",
        {"image": SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")},
    )
    assert bad.status_code == 400 and "image lisible" in bad.text
    client.post(
        f"/lieux/{slug}/objets/{item.pk}/photos/",
        {
            "image": SimpleUploadedFile(
                "p.jpg", image_bytes(size=(60, 40)), content_type="image/jpeg"
            )
        },
    )
    photo = ItemPhoto.objects.get(item=item)
    client.logout()
    served = client.get(f"/objets/photos/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert served.content[:2] == b"\xff\xd8"  # a JPEG
    set_sharing(world["place"], catalogue_public=False)
    assert client.get(f"/objets/photos/{photo.pk}/").status_code == 404


def test_my_space_and_the_dashboard_show_the_loans(client, world):
    loan = services.check_out(actor=SYSTEM, item=world["item"], borrower=world["member"])
    client.force_login(world["member"])
    space = client.get("/mon-espace/").text
    assert "Mes emprunts" in space and "Perceuse" in space
    mine = client.get("/mes-emprunts/").text
    assert "Perceuse" in mine and "Prolonger" in mine
    client.post(f"/prets/{loan.pk}/prolonger/")
    loan.refresh_from_db()
    assert loan.renewals == 1
    client.force_login(world["staff"])
    dashboard = client.get(f"/lieux/{world['place'].slug}/tableau-de-bord/").text
    assert "Objets prêtés" in dashboard and "Perceuse" in dashboard


def test_posts_pages_publish_answer_report_hide(client, world):
    client.force_login(world["member"])
    form = client.get("/entraide/nouvelle/")
    assert form.status_code == 200
    refused = client.post(
        "/entraide/nouvelle/", {"kind": "offer", "category": "skill", "title": ""}
    )
    assert refused.status_code == 400 and 'role="alert"' in refused.text
    created = client.post(
        "/entraide/nouvelle/",
        {
            "kind": "offer",
            "category": "skill",
            "title": "Réparer un vélo",
            "body": "Freins, dérailleur.",
            "expires_on": "2027-01-15",
            "place": world["place"].pk,
        },
    )
    post = Post.objects.get(title="Réparer un vélo")
    assert created.status_code == 302
    other = make_member(world["place"])
    client.force_login(other)
    assert "Réparer un vélo" in client.get("/entraide/").text
    client.post(f"/entraide/{post.pk}/report/", {"reason": "hors sujet"})
    assert post.reports.count() == 1
    assert client.post(f"/entraide/{post.pk}/hide/", {"reason": "x"}).status_code == 302
    post.refresh_from_db()
    assert post.state == PostState.OPEN  # a member cannot hide
    client.force_login(world["staff"])
    moderation = client.get(f"/entraide/{post.pk}/").text
    assert "hors sujet" in moderation
    client.post(f"/entraide/{post.pk}/hide/", {"reason": "Hors sujet"})
    post.refresh_from_db()
    assert post.state == PostState.HIDDEN
    client.force_login(other)
    assert client.get(f"/entraide/{post.pk}/").status_code == 404
    far = make_place(name="Loin")
    stranger_post = make_post(make_member(far), place=far)
    assert client.get(f"/entraide/{stranger_post.pk}/").status_code == 404
    assert client.get("/entraide/999999/").status_code == 404
