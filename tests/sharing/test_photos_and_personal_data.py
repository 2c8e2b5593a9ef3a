"""Item photos (checked, resized, stripped of EXIF, stored under MEDIA_ROOT) and a person's
sharing data: exported whole, erased without breaking the items' history or the time bank."""

import io
import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from PIL import Image

from maillage.accounts.personal_data import export_person
from maillage.accounts.services import delete_account
from maillage.common.actors import SYSTEM
from maillage.common.errors import PermissionDenied, ValidationFailed
from maillage.sharing import photos, selectors, services
from maillage.sharing.models import ItemPhoto, Loan, Message, Post, TimeAccount
from tests.accounts.factories import UserFactory
from tests.places.factories import make_place
from tests.sharing.factories import image_bytes, make_item, make_member, make_post, set_sharing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(data, name="photo.jpg"):
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def test_a_photo_is_resized_turned_upright_and_stripped(media):
    item = make_item(make_place())
    photo = services.add_item_photo(actor=SYSTEM, item=item, upload=upload(image_bytes()))
    stored = media / photo.image.name
    assert stored.is_file() and str(stored).startswith(str(media / "sharing" / "items"))
    with Image.open(stored) as image:
        # 2400×1200 rotated by its EXIF orientation, then fitted in 1600 px.
        assert image.size == (800, 1600) == (photo.width, photo.height)
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info


@pytest.mark.parametrize(
    "data",
    [
        b"not an image at all",
        image_bytes()[:200],  # truncated
        image_bytes(fmt="GIF", exif=False),
    ],
)
def test_anything_but_a_readable_photo_is_refused(data):
    item = make_item(make_place())
    with pytest.raises(ValidationFailed) as refused:
        services.add_item_photo(actor=SYSTEM, item=item, upload=upload(data))
    assert refused.value.errors[0].field == "image"
    assert not ItemPhoto.objects.exists()


def test_a_huge_image_is_refused(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 1000)
    item = make_item(make_place())
    with pytest.raises(ValidationFailed, match="trop grande"):
        services.add_item_photo(
            actor=SYSTEM, item=item, upload=upload(image_bytes(size=(100, 100)))
        )


def test_only_the_staff_add_photos():
    place = make_place()
    item = make_item(place)
    with pytest.raises(PermissionDenied):
        services.add_item_photo(actor=make_member(place), item=item, upload=upload(image_bytes()))


def test_a_png_is_stored_as_jpeg(media):
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 0, 0, 0)).save(out, format="PNG")
    photo = services.add_item_photo(
        actor=SYSTEM, item=make_item(make_place()), upload=upload(out.getvalue(), "a.png")
    )
    assert photo.image.name.endswith(".jpg") and (photo.width, photo.height) == (300, 200)


def test_export_and_erasure_of_a_members_sharing_data():
    staff = UserFactory()
    place = make_place(staff=[staff])
    set_sharing(place, time_bank_enabled=True, overdraft_minutes=600)
    ada, bob = make_member(place), make_member(place)
    item = make_item(place)
    loan = services.check_out(actor=staff, item=item, borrower=ada)
    post = make_post(ada, place=place)
    message = services.answer_post(actor=bob, post=post, body="Je peux venir mardi")
    services.reply(actor=ada, conversation=message.conversation, body="Merci")
    services.fulfil_post(actor=ada, post=post, conversation=message.conversation, minutes=45)
    exported = export_person(ada)["sharing"]
    assert exported["loans"][0]["item"] == item.name
    assert exported["posts"][0]["title"] == post.title
    assert exported["messages"][0]["body"] == "Merci"
    assert exported["time_bank"]["balances"][0]["balance_minutes"] == 45
    assert exported["time_bank"]["transfers"][0]["direction"] == "credit"
    delete_account(actor=ada, user=ada)
    loan.refresh_from_db()
    assert loan.borrower is None and not loan.is_open
    assert Post.objects.get(pk=post.pk).author is None
    assert Post.objects.get(pk=post.pk).body == "—"
    assert Message.objects.filter(sender__isnull=True, body="—").count() == 1
    assert Message.objects.get(pk=message.pk).body == "Je peux venir mardi"  # Bob's own words
    assert TimeAccount.objects.filter(user__isnull=True).count() == 1
    assert selectors.total_balance_minutes() == 0
    assert selectors.balances_of(bob)[0]["balance_minutes"] == -45
    assert Loan.objects.filter(item=item).count() == 1  # the item's history keeps the loan


def _age(path, hours):
    old = time.time() - hours * 3600
    os.utime(path, (old, old))


def test_a_photo_left_by_a_rolled_back_upload_is_purged_after_the_grace(media):
    """The file is written before its row: an outer transaction rolled back afterwards leaves
    the file alone on disk. The purge deletes it once older than the grace, never a photo
    still referred to, nor a young file (perhaps an upload being saved right now)."""
    item = make_item(make_place())
    kept = services.add_item_photo(actor=SYSTEM, item=item, upload=upload(image_bytes()))
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = services.add_item_photo(actor=SYSTEM, item=item, upload=upload(image_bytes()))
        raise RuntimeError("the caller's transaction fails after the upload")
    orphan = media / lost.image.name
    assert orphan.is_file() and not ItemPhoto.objects.filter(pk=lost.pk).exists()
    young = media / "sharing" / "items" / "en-cours.jpg"
    young.write_bytes(b"x")
    assert services.purge_orphan_photos() == 0  # both are younger than the grace
    _age(orphan, 2)
    _age(media / kept.image.name, 2)
    assert services.purge_orphan_photos() == 1
    assert not orphan.exists()
    assert (media / kept.image.name).is_file() and young.is_file()


def test_the_purge_command_says_how_many_files_it_deleted(media):
    (media / "sharing" / "items").mkdir(parents=True)
    for name in ("a.jpg", "b.jpg"):
        path = media / "sharing" / "items" / name
        path.write_bytes(b"x")
        _age(path, 3)
    out = io.StringIO()
    call_command("purge_orphan_photos", stdout=out)
    assert out.getvalue().strip() == "2 photo(s) orpheline(s) supprimée(s)."
    call_command("purge_orphan_photos", stdout=out)  # nothing left: nothing deleted, no error
