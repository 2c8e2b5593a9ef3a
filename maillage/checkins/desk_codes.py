"""The rotating code of a place's front desk, shown as a QR code and scanned by members.

A code is the place's id and a time window (`WINDOW_S` seconds long) signed with the site's
secret (`django.core.signing`, salted for this use): it cannot be forged nor moved to another
place, and it stops working once two windows have passed, so a photo of the desk's screen is
useless a few minutes later. The code of the current window and of the previous one are
accepted, so a member who scans just before the screen refreshes is not refused.
"""

import time

from django.core import signing

WINDOW_S = 180
SALT = "maillage.checkins.desk"


def window_at(moment: float | None = None) -> int:
    """The number of the window containing `moment` (seconds since the epoch; now)."""
    return int((time.time() if moment is None else moment) // WINDOW_S)


def desk_code(place_id: int, *, moment: float | None = None) -> str:
    """The signed code of `place_id` for the window of `moment`."""
    return signing.Signer(salt=SALT).sign(f"{place_id}.{window_at(moment)}")


def read_desk_code(code: str, *, moment: float | None = None) -> int | None:
    """The place id carried by `code` if it is genuine and of the current or previous window,
    else None."""
    try:
        value = signing.Signer(salt=SALT).unsign(code)
        place_text, window_text = value.split(".")
        place_id, window = int(place_text), int(window_text)
    except (signing.BadSignature, ValueError):
        return None
    if window_at(moment) - window not in (0, 1):
        return None
    return place_id
