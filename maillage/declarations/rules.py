"""Permission predicates about yearly declarations, each stating one policy.

| right                              | member | staff | manager | coordinator | admin |
|------------------------------------|--------|-------|---------|-------------|-------|
| read their place's declarations    | no     | yes   | yes     | no¹         | yes   |
| write (declare, correct)           | no     | no    | yes     | no          | yes   |

¹ a network's coordinators see the declared figures only aggregated, in the observatory.
The revenue and funding of a place are its managers' to state: its staff run it day to day but
do not speak for it to funders.
"""

from maillage.accounts.rules import is_instance_admin
from maillage.places.models import Place
from maillage.places.rules import can_run_place, places_where


def can_read_declarations(user, place: Place) -> bool:
    """A place's operators (staff and managers) and instance administrators."""
    return can_run_place(user, place)


def can_declare(user, place: Place) -> bool:
    """A place's managers and instance administrators."""
    return is_instance_admin(user) or places_where(user, can="manage").filter(pk=place.pk).exists()
