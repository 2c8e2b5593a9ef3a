"""Places, created through the service like every other writer, with their roles."""

from maillage.common.actors import SYSTEM
from maillage.places.models import PlaceRole
from maillage.places.services import create_place, grant_place_role


def make_place(**overrides):
    """A valid place in Pau, created through the service like every other writer."""
    data = {
        "name": "La Fabrique",
        "kinds": ["fablab"],
        "insee_code": "64445",
        "latitude": 43.2951,
        "longitude": -0.3708,
    }
    data.update(overrides)
    managers = data.pop("managers", [])
    staff = data.pop("staff", [])
    source = data.pop("source", "")
    source_id = data.pop("source_id", "")
    place = create_place(actor=SYSTEM, data=data, source=source, source_id=source_id)
    for user in managers:
        grant_place_role(actor=SYSTEM, place=place, user=user, role=PlaceRole.Role.MANAGER)
    for user in staff:
        grant_place_role(actor=SYSTEM, place=place, user=user, role=PlaceRole.Role.STAFF)
    return place
