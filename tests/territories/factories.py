"""A small reference sample of territories (Pau and its surroundings, Paris), loaded once per
test database by `tests/conftest.py`."""

from maillage.common.text import fold
from maillage.territories.models import Territory

REFERENCE_TERRITORIES = [
    # level, code, name, population, lat, lon, dep, region, epci, postal codes
    ("region", "75", "Nouvelle-Aquitaine", 6033952, 45.2, 0.2, "", "", "", ""),
    ("region", "11", "Île-de-France", 12317279, 48.7, 2.5, "", "", "", ""),
    ("departement", "64", "Pyrénées-Atlantiques", 687240, 43.3, -0.8, "", "75", "", ""),
    ("departement", "75", "Paris", 2133111, 48.8566, 2.3522, "", "11", "", ""),
    ("epci", "200067254", "CA Pau Béarn Pyrénées", 162000, 43.3, -0.37, "64", "75", "", ""),
    ("commune", "64445", "Pau", 75665, 43.2951, -0.3708, "64", "75", "200067254", "64000"),
    ("commune", "64348", "Lescar", 10379, 43.3333, -0.4347, "64", "75", "200067254", "64230"),
    ("commune", "64024", "Anglet", 39932, 43.4850, -1.5195, "64", "75", "", "64600"),
    ("commune", "64102", "Bayonne", 51411, 43.4929, -1.4748, "64", "75", "", "64100"),
    ("commune", "75056", "Paris", 2133111, 48.8566, 2.3522, "75", "11", "", "75001|75002"),
]


def load_reference_sample() -> None:
    for level, code, name, population, lat, lon, dep, region, epci, postal in REFERENCE_TERRITORIES:
        Territory.objects.update_or_create(
            level=level,
            code=code,
            defaults={
                "name": name,
                "search_name": fold(name),
                "population": population,
                "latitude": lat,
                "longitude": lon,
                "location_precision": "geonames" if level == "commune" else "derived",
                "departement_code": dep,
                "region_code": region,
                "epci_code": epci,
                "postal_codes": postal,
            },
        )


# Square outlines around the sample's communes, ±0.02° (about 2 km) around Pau's and Lescar's
# points, which do not overlap; enough to test point lookups without the full file.
def square(latitude: float, longitude: float, half: float = 0.02) -> list:
    west, east = longitude - half, longitude + half
    south, north = latitude - half, latitude + half
    return [[[(west, south), (east, south), (east, north), (west, north), (west, south)]]]


def set_outline(level: str, code: str, polygons: list) -> None:
    """Give a sample territory an outline, as `load_territories` stores one."""
    from maillage.territories.outlines import bbox_of, to_geojson

    west, south, east, north = bbox_of(polygons)
    Territory.objects.filter(level=level, code=code).update(
        outline=to_geojson(polygons),
        bbox_west=west,
        bbox_south=south,
        bbox_east=east,
        bbox_north=north,
    )


def set_square_outlines() -> None:
    set_outline("commune", "64445", square(43.2951, -0.3708))  # Pau
    set_outline("commune", "64348", square(43.3333, -0.4347, half=0.015))  # "Lescar"
