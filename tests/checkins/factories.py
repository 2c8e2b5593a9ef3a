"""Check-ins and visitor counts, created through the checkins services like every writer."""

from maillage.checkins import services
from maillage.checkins.models import CheckInSource
from maillage.common.actors import SYSTEM
from tests.accounts.factories import UserFactory
from tests.members.factories import make_membership


def make_member(place, **user_fields):
    """A new person with an active membership of `place`."""
    person = UserFactory(**user_fields)
    make_membership(place, person)
    return person


def make_checkin(place, user, *, at=None, out=None, source=CheckInSource.STAFF):
    """A check-in of `user` at `place` at `at` (now), closed at `out` when given."""
    checkin = services.check_in(actor=SYSTEM, place=place, user=user, source=source, at=at).checkin
    if out is not None:
        services.check_out(actor=SYSTEM, checkin=checkin, at=out)
    return checkin


def make_reunion_place(**overrides):
    """A place in Saint-Denis de La Réunion (UTC+4), its territories created first."""
    from maillage.common.text import fold
    from maillage.territories.models import Territory
    from tests.places.factories import make_place

    for level, code, name, dep, region in (
        ("region", "04", "La Réunion", "", ""),
        ("departement", "974", "La Réunion", "", "04"),
        ("commune", "97411", "Saint-Denis", "974", "04"),
    ):
        Territory.objects.get_or_create(
            level=level,
            code=code,
            defaults={
                "name": name,
                "search_name": fold(name),
                "population": 150000,
                "latitude": -20.8823,
                "longitude": 55.4504,
                "location_precision": "geonames",
                "departement_code": dep,
                "region_code": region,
            },
        )
    values = {"name": "Case numérique", "insee_code": "97411", "latitude": -20.88}
    values.update({"longitude": 55.45, **overrides})
    return make_place(**values)
