"""Figures of the reference sample (tests/territories/factories.py) used by the planning tests.

Département 64 has four communes there: Pau (75,665 inhabitants), Lescar (10,379; 6.69 km from
Pau), Anglet (39,932) and Bayonne (51,411; 3.71 km from Anglet), both about 90 km from Pau.
"""

POPULATION_64 = 75665 + 10379 + 39932 + 51411
COVERED_BY_PAU_10KM = 75665 + 10379
