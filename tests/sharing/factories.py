"""Items, loans and posts of the sharing app, created through its services like every writer."""

import io
from datetime import timedelta

from django.utils import timezone

from maillage.common.actors import SYSTEM
from maillage.sharing import services
from maillage.sharing.models import ItemCategory, PostCategory, PostKind
from tests.accounts.factories import UserFactory
from tests.members.factories import make_membership


def make_item(place, **overrides):
    values = {
        "name": "Perceuse à percussion",
        "category": ItemCategory.TOOLS,
        "deposit_cents": 5000,
    }
    values.update(overrides)
    return services.create_item(actor=SYSTEM, place=place, **values)


def make_member(place, **user_fields):
    person = UserFactory(**user_fields)
    make_membership(place, person)
    return person


def set_sharing(place, **values):
    return services.update_sharing_settings(actor=SYSTEM, place=place, **values)


def make_post(author, *, place=None, territory=None, **overrides):
    values = {
        "kind": PostKind.OFFER,
        "category": PostCategory.SKILL,
        "title": "Aide au jardinage",
        "body": "Je peux aider à tailler les haies le samedi matin.",
        "expires_on": timezone.localdate() + timedelta(days=30),
    }
    values.update(overrides)
    return services.create_post(actor=author, place=place, territory=territory, **values)


def image_bytes(fmt="JPEG", size=(2400, 1200), exif=True) -> bytes:
    from PIL import Image

    image = Image.new("RGB", size, (200, 60, 30))
    out = io.BytesIO()
    kwargs = {}
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0112] = 6  # Orientation: rotated 90° clockwise
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()
