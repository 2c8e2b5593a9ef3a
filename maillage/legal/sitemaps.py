"""`/sitemap.xml`: every place page, and the territory pages worth a visit (every région,
département and EPCI, and the communes holding at least one place), each with the date its
content last changed.

A territory's page shows its places, so its `lastmod` is the latest update of a place inside it
(one grouped query per level); a territory without places has no date to give. Django's sitemap
framework splits each section into pages of 50,000 URLs under a sitemap index.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from maillage.places.models import Place
from maillage.territories.models import Territory
from maillage.territories.selectors import PLACE_FIELD_FOR_LEVEL

Level = Territory.Level


class PlaceSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Place.objects.only("slug", "updated_at").order_by("pk")

    def location(self, item: Place) -> str:
        return reverse("places:detail", args=[item.slug])

    def lastmod(self, item: Place) -> datetime:
        return item.updated_at


@dataclass(frozen=True)
class TerritoryEntry:
    level: str
    code: str
    lastmod: datetime | None


class TerritorySitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self) -> list[TerritoryEntry]:
        entries: list[TerritoryEntry] = []
        for level in (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE):
            field = PLACE_FIELD_FOR_LEVEL[level]
            latest = dict(
                Place.objects.exclude(**{field: ""})
                .values_list(field)
                .annotate(latest=Max("updated_at"))
                .order_by()
            )
            codes = Territory.objects.filter(level=level).order_by("code")
            if level == Level.COMMUNE:  # 35,000 communes: only those with a place
                codes = codes.filter(code__in=list(latest))
            entries.extend(
                TerritoryEntry(level, code, latest.get(code))
                for code in codes.values_list("code", flat=True)
            )
        return entries

    def location(self, item: TerritoryEntry) -> str:
        return reverse("territories:detail", args=[item.level, item.code])

    def lastmod(self, item: TerritoryEntry) -> datetime | None:
        return item.lastmod


SITEMAPS = {"lieux": PlaceSitemap, "territoires": TerritorySitemap}
