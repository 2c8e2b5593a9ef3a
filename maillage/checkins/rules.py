"""Permission predicates about check-ins, each stating one policy.

| right                                       | member            | staff, manager, admin |
|---------------------------------------------|-------------------|-----------------------|
| check themselves in and out (QR code, API)  | if active member  | yes                   |
| check someone else in or out, count visitors| no                | yes                   |
| see the front desk (QR code, tablet)        | no                | yes                   |
| see who is here now                         | those who opted in| everyone              |
| see the place's daily counts                | no                | yes                   |

Staff and managers are the place's operators (`places.rules.can_run_place`).
"""

from maillage.accounts.rules import is_signed_in
from maillage.members.selectors import is_active_member
from maillage.places.models import Place
from maillage.places.rules import can_run_place

from .models import CheckIn


def can_check_in(user, place: Place) -> bool:
    """A person checks themselves in at a place where they are an active member; the place's
    operators may too (they work there)."""
    return is_signed_in(user) and (is_active_member(user, place) or can_run_place(user, place))


def can_record_presence(user, place: Place) -> bool:
    """The place's operators check anyone in or out, run the front desk and count visitors."""
    return can_run_place(user, place)


def can_check_out(user, checkin: CheckIn) -> bool:
    """A person closes their own stay; the place's operators close anyone's."""
    own = is_signed_in(user) and checkin.user_id is not None and checkin.user_id == user.pk
    return own or can_record_presence(user, checkin.place)


def can_see_everyone_present(user, place: Place) -> bool:
    """Operators see everyone checked in; members see only those who opted in."""
    return can_run_place(user, place)


def can_see_presence(user, place: Place) -> bool:
    """The « qui est là » list is for the place's operators and its active members."""
    return can_run_place(user, place) or is_active_member(user, place)


def can_see_counts(user, place: Place) -> bool:
    """Daily counts are the place's figures: its operators see them (the observatory reads
    them through the selector)."""
    return can_run_place(user, place)
