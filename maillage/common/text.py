"""Text normalisation used for accent- and case-insensitive matching and search, and the one
check that keeps control characters out of stored and queried text."""

import re
import unicodedata

from django.utils.translation import gettext_noop

from .errors import ErrorCode, Message

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# C0 controls but tab, line feed and carriage return (white space that fields collapse or keep),
# DEL, C1 controls, and lone surrogates (a JSON body may carry "\ud800"): PostgreSQL refuses NUL
# in text and surrogates in UTF-8, and none of them is meant to be shown to anyone.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def fold(text: str) -> str:
    """Lower-case, strip accents and collapse punctuation to single spaces.

    >>> fold("  Saint-Étienne-du-Rouvray ")
    'saint etienne du rouvray'
    """
    text = text or ""
    if not text.isascii():
        # NFKD leaves ASCII unchanged: only other text needs decomposing (most of the cost).
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def label_key(text: str) -> str:
    """The identity of a label: case and white space aside, nothing else (accents, punctuation
    and digits count, so `=1` and `-1`, `Café` and `Cafe` stay two labels).

    >>> label_key("  Impression   3D ") == label_key("impression 3d")
    True
    >>> label_key("=1") == label_key("-1")
    False
    """
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def has_control_characters(text: str) -> bool:
    """True when `text` holds a character no field accepts (see `_CONTROL`).

    >>> has_control_characters("Pau\\x00"), has_control_characters("Pau\\n")
    (True, False)
    """
    return _CONTROL.search(text) is not None


CONTROL_CHARACTERS = ErrorCode(
    "field.control_characters",
    gettext_noop("Caractère de contrôle interdit (octet nul, etc.) : retirez-le et réessayez."),
)


def control_characters_message() -> Message:
    """The field error for a value with control characters (translated when called)."""
    return CONTROL_CHARACTERS()
