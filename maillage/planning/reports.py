"""The text and CSV forms of the analyses' JSON, for the commands and the downloads.

Text is written for people (French by default, translated like the pages); the figures are
those of the JSON it is made from.
"""

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from maillage.common.tabular import iter_csv as iter_safe_csv
from maillage.places.kinds import PlaceKind

SHOWN_WHITE_ZONES = 10
WHITE_ZONE_COLUMNS = ("code", "name", "population_uncovered", "population_total")
CHOSEN_COLUMNS = ("rank", "id", "name", "latitude", "longitude", "gain")
METHOD_NAMES = {"greedy": gettext_lazy("gloutonne"), "exact": gettext_lazy("exacte")}


def as_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def _count(value: float | None) -> str:
    return "—" if value is None else number_format(round(value), 0, force_grouping=True)


def _decimal(value: float) -> str:
    # number_format cuts decimals off rather than rounding them: round first.
    return number_format(round(value, 1), 1)


def _km(value: float | None) -> str:
    return "—" if value is None else _("%s km") % _decimal(value)


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{_decimal(100 * share)} %"


def _radius(radius_km: float) -> str:
    """`10` or `2,5`: a radius as people write it."""
    return number_format(radius_km if radius_km % 1 else int(radius_km))


def kind_label(kind: str) -> str:
    return str(PlaceKind(kind).label) if kind in PlaceKind.values else kind


def territory_label(territory) -> str:
    """`Pyrénées-Atlantiques (département 64)`."""
    return _("%(name)s (%(level)s %(code)s)") % {
        "name": territory.name,
        "level": str(territory.get_level_display()).lower(),
        "code": territory.code,
    }


def plan_about(*, where: str, kind: str, n_new: int, radius_km: float, method: str) -> str:
    """`5 nouveaux lieux (Fablab) à 10 km — Béarn (département 64) — méthode glouton`."""
    what = ngettext(
        "%(count)d nouveau lieu (%(kind)s) à %(radius)s km",
        "%(count)d nouveaux lieux (%(kind)s) à %(radius)s km",
        n_new,
    ) % {
        "count": n_new,
        "kind": kind_label(kind) if kind else _("tous types"),
        "radius": _radius(radius_km),
    }
    return _("%(what)s — %(where)s — méthode %(method)s") % {
        "what": what,
        "where": where,
        "method": METHOD_NAMES[method],
    }


def _distances(distance: dict[str, float | None]) -> str:
    return _("moyenne %(mean)s, médiane %(median)s, 90e centile %(p90)s") % {
        "mean": _km(distance["mean"]),
        "median": _km(distance["median"]),
        "p90": _km(distance["p90"]),
    }


def coverage_text(report: dict[str, Any], *, about: str, zones_total: int) -> str:
    """A coverage report for people; `about` names the population and the places analysed."""
    radius = _radius(report["radius_km"])
    lines = [
        _("Couverture à %(radius)s km — %(about)s") % {"radius": radius, "about": about},
        _(
            "Population : %(total)s habitant·es, dont %(covered)s à %(radius)s km au plus "
            "d'un lieu (%(share)s)."
        )
        % {
            "total": _count(report["population_total"]),
            "covered": _count(report["population_covered"]),
            "radius": radius,
            "share": _percent(report["share_covered"]),
        },
        _("Distance au lieu le plus proche : %s.") % _distances(report["distance_km"]),
    ]
    if report["by_kind"]:
        lines.append(_("Par type de lieu :"))
        for kind, figures in report["by_kind"].items():
            lines.append(
                _("  %(kind)s : %(share)s couverts ; distance %(distances)s")
                % {
                    "kind": kind_label(kind),
                    "share": _percent(figures["share_covered"]),
                    "distances": _distances(figures["distance_km"]),
                }
            )
    zones = report["white_zones"]
    if zones:
        lines.append(
            _("Zones blanches : %(count)s, les %(shown)s plus peuplées :")
            % {"count": _count(zones_total), "shown": min(SHOWN_WHITE_ZONES, len(zones))}
        )
        lines += [
            _("  %(code)s %(name)s : %(population)s habitant·es sans lieu à moins de %(radius)s km")
            % {
                "code": zone["code"],
                "name": zone["name"],
                "population": _count(zone["population_uncovered"]),
                "radius": radius,
            }
            for zone in zones[:SHOWN_WHITE_ZONES]
        ]
    else:
        lines.append(_("Aucune zone blanche : toute la population est couverte."))
    return "\n".join(lines)


def iter_csv(
    columns: tuple[str, ...], rows: Iterable[dict[str, Any]], *, chunk: int = 1000
) -> Iterator[str]:
    """CSV text `chunk` rows at a time; text cells are neutralised against spreadsheet
    formulas, as in the exports of places.
    """
    return iter_safe_csv(
        columns,
        ([row[column] for column in columns] for row in rows),
        rows_per_chunk=chunk,
        line_end="\n",
    )


def white_zones_csv(zones: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`code,name,population_uncovered,population_total`, largest white zones first."""
    return iter_csv(WHITE_ZONE_COLUMNS, zones)


def white_zones_geojson(zones: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """White zones as GeoJSON points at each commune's centre (RFC 7946: longitude first)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [zone["longitude"], zone["latitude"]]},
                "properties": {column: zone[column] for column in WHITE_ZONE_COLUMNS},
            }
            for zone in zones
        ],
    }


def chosen_csv(report: dict[str, Any]) -> str:
    """`rank,id,name,latitude,longitude,gain`: the chosen sites in the order they were picked."""
    rows = ({"rank": rank, **site} for rank, site in enumerate(report["chosen"], 1))
    return "".join(iter_csv(CHOSEN_COLUMNS, rows))


def chosen_geojson(report: dict[str, Any]) -> dict[str, Any]:
    """The chosen sites as a GeoJSON FeatureCollection (RFC 7946: longitude first)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site["longitude"], site["latitude"]]},
                "properties": {
                    "rank": rank,
                    "id": site["id"],
                    "name": site["name"],
                    "gain": site["gain"],
                },
            }
            for rank, site in enumerate(report["chosen"], 1)
        ],
    }


def plan_text(report: dict[str, Any], *, about: str) -> str:
    """A plan for people; `about` names the territory, the kind and the radius."""
    total = report["population_total"]

    def share(value: float) -> str:
        return _percent(value / total if total else None)

    lines = [
        _("Plan — %(about)s") % {"about": about},
        _(
            "Population : %(total)s habitant·es ; couverte avant : %(before)s "
            "(%(share_before)s) ; après : %(after)s (%(share_after)s)."
        )
        % {
            "total": _count(total),
            "before": _count(report["population_covered_before"]),
            "share_before": share(report["population_covered_before"]),
            "after": _count(report["population_covered_after"]),
            "share_after": share(report["population_covered_after"]),
        },
    ]
    if report["upper_bound"] is not None:
        lines.append(
            _(
                "Aucun choix ne couvrirait plus de %(bound)s habitant·es : écart à l'optimum "
                "au plus %(gap)s."
            )
            % {"bound": _count(report["upper_bound"]), "gap": _percent(report["gap"])}
        )
    else:
        lines.append(
            _(
                "Distance moyenne au lieu le plus proche : %(before)s avant, %(after)s après "
                "(écart à l'optimum au plus %(gap)s)."
            )
            % {
                "before": _km(report["mean_distance_km_before"]),
                "after": _km(report["mean_distance_km_after"]),
                "gap": _percent(report["gap"]),
            }
        )
    if not report["chosen"]:
        lines.append(_("Aucun nouveau lieu ne couvrirait davantage d'habitant·es."))
    else:
        lines.append(
            _("Lieux de la solution exacte :")
            if report.get("method") == "exact"
            else _("Lieux choisis, dans l'ordre :")
        )
        lines += [
            _("  %(rank)d. %(name)s (%(id)s ; %(latitude)s, %(longitude)s) : +%(gain)s habitant·es")
            % {
                "rank": rank,
                "name": site["name"],
                "id": site["id"],
                "latitude": f"{site['latitude']:.5f}",
                "longitude": f"{site['longitude']:.5f}",
                "gain": _count(site["gain"]),
            }
            for rank, site in enumerate(report["chosen"], 1)
        ]
    return "\n".join(lines)
