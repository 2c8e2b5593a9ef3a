"""Text normalisation used for accent- and case-insensitive matching and search."""

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


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
