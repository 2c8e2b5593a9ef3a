"""Commuting avoided (maillage.stats.commuting)."""

import pytest

from maillage.organisations.models import TransportMode
from maillage.stats.commuting import (
    DETOUR_COEFFICIENT,
    EMISSION_FACTORS_KG_PER_KM,
    avoided_trip,
    great_circle_km,
    road_km,
)

PAU = (43.2951, -0.3708)
BAYONNE = (43.4929, -1.4748)
LESCAR = (43.3333, -0.4333)
# The codes the members declare (the core itself may not import the model).
MODES = set(TransportMode.values)


def test_great_circle_distance():
    assert great_circle_km((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111.1951, abs=1e-4)
    assert great_circle_km(PAU, BAYONNE) == pytest.approx(91.9, abs=0.5)
    assert great_circle_km(PAU, PAU) == 0.0
    assert great_circle_km(PAU, BAYONNE) == pytest.approx(great_circle_km(BAYONNE, PAU))


def test_road_distance_applies_the_detour():
    assert DETOUR_COEFFICIENT == 1.3
    assert road_km(PAU, BAYONNE) == pytest.approx(1.3 * great_circle_km(PAU, BAYONNE))
    assert road_km(PAU, BAYONNE, detour=1.0) == pytest.approx(great_circle_km(PAU, BAYONNE))


def test_a_desk_day_near_home_avoids_the_long_trip():
    km, kg = avoided_trip(LESCAR, BAYONNE, PAU, "car")
    expected = 2 * 1.3 * (great_circle_km(LESCAR, BAYONNE) - great_circle_km(LESCAR, PAU))
    assert km == pytest.approx(expected)
    assert kg == pytest.approx(expected * EMISSION_FACTORS_KG_PER_KM["car"])
    assert km > 150


def test_the_figure_is_net_and_may_be_negative():
    km, kg = avoided_trip(PAU, LESCAR, BAYONNE, "car")
    assert km < 0
    assert kg < 0


def test_zero_emission_modes_and_custom_factors():
    km, kg = avoided_trip(LESCAR, BAYONNE, PAU, "bike")
    assert km > 0
    assert kg == 0.0
    km2, kg2 = avoided_trip(LESCAR, BAYONNE, PAU, "bus", {"bus": 1.0}, detour=1.0)
    assert kg2 == pytest.approx(km2)
    with pytest.raises(KeyError):
        avoided_trip(LESCAR, BAYONNE, PAU, "plane")
    with pytest.raises(ValueError, match="detour"):
        avoided_trip(LESCAR, BAYONNE, PAU, "car", detour=0)


def test_every_transport_mode_has_a_factor():
    assert set(EMISSION_FACTORS_KG_PER_KM) == MODES
    assert all(0 <= f < 0.5 for f in EMISSION_FACTORS_KG_PER_KM.values())
    assert EMISSION_FACTORS_KG_PER_KM["car"] > EMISSION_FACTORS_KG_PER_KM["carpool"]
    assert EMISSION_FACTORS_KG_PER_KM["car"] > EMISSION_FACTORS_KG_PER_KM["bus"]
    assert EMISSION_FACTORS_KG_PER_KM["bus"] > EMISSION_FACTORS_KG_PER_KM["train"]
