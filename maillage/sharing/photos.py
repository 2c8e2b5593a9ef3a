"""The photos of lent items: checked as images, turned upright, resized, stripped of metadata.

An upload is refused unless Pillow reads it as a JPEG, PNG or WebP image of a sane size (a
file named `.jpg` holding anything else, a truncated image or a decompression bomb is refused
with a message next to the field). What is stored is a new JPEG drawn from the pixels only: the
EXIF block (where a phone writes the GPS position of the member's home) and every other piece
of metadata are left behind, after the orientation it carried has been applied. Files go under
`MEDIA_ROOT/sharing/items/`, with a random name.
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from maillage.common.errors import FieldError, ValidationFailed

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is not a phone's picture of a drill
LONGEST_SIDE_PX = 1600
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PHOTOS_PER_ITEM = 6


@dataclass(frozen=True)
class ProcessedPhoto:
    name: str
    content: ContentFile
    width: int
    height: int


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed([FieldError("image", message)])


def process(upload) -> ProcessedPhoto:
    """Read `upload` (a file object), check it and return the JPEG to store."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise _refuse(_("Une photo de 10 Mo au plus."))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(_("Une photo de 10 Mo au plus."))
    try:
        with warnings.catch_warnings():
            # Pillow warns above its own bomb limit; ours is lower and checked below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                if probe.format not in ACCEPTED_FORMATS:
                    raise _refuse(_("Une photo au format JPEG, PNG ou WebP."))
                if probe.width * probe.height > MAX_PIXELS:
                    raise _refuse(_("Cette image est trop grande (40 mégapixels au plus)."))
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                picture = upright.convert("RGB")
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise _refuse(_("Ce fichier n'est pas une image lisible.")) from None
    picture.thumbnail((LONGEST_SIDE_PX, LONGEST_SIDE_PX))
    out = io.BytesIO()
    # No `exif=` and no `icc_profile=`: the new file carries the pixels only.
    picture.save(out, format="JPEG", quality=85, optimize=True)
    return ProcessedPhoto(
        name=f"{uuid.uuid4().hex}.jpg",
        content=ContentFile(out.getvalue()),
        width=picture.width,
        height=picture.height,
    )
