"""Reads about territories: lookups by code, resolution of a territory reference, communes."""

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Case, IntegerField, Q, Value, When

from maillage.common.text import fold

from .models import Territory

if TYPE_CHECKING:
    from .outlines import OutlineIndex

Level = Territory.Level
# A bare code is tried at these levels in turn, so `75` is the région Nouvelle-Aquitaine and the
# département of Paris is `departement:75`. Larger territories first: a bare two-digit code is
# far more often a région in funders' questions, and a prefix always disambiguates.
BARE_CODE_ORDER = (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE)
# Filters on places use the copy of the commune's hierarchy codes kept on each place.
PLACE_FIELD_FOR_LEVEL = {
    Level.COMMUNE: "insee_code",
    Level.EPCI: "epci_code",
    Level.DEPARTEMENT: "departement_code",
    Level.REGION: "region_code",
}
TERRITORY_FIELD_FOR_LEVEL = {
    Level.EPCI: "epci_code",
    Level.DEPARTEMENT: "departement_code",
    Level.REGION: "region_code",
}


# Every INSEE and SIREN code of a territory (`64445`, `2A004`, `200067254`, `971`) has this form.
CODE = re.compile(r"[0-9A-Za-z]{1,9}")


class UnknownTerritory(LookupError):  # noqa: N818 - reads as a sentence: raise UnknownTerritory
    """The reference names no territory; the message says what was expected."""


def parse_territory_ref(ref: str) -> tuple[str | None, str]:
    """Split `level:code` (or a bare code) into (level or None, code)."""
    ref = ref.strip()
    if ":" in ref:
        level, code = ref.split(":", 1)
        level = level.strip().lower()
        if level not in Level.values:
            raise UnknownTerritory(
                f"Niveau « {level} » inconnu ; niveaux possibles : {', '.join(Level.values)}."
            )
        return level, code.strip().upper()
    return None, ref.upper()


def resolve_territory(ref: str) -> Territory:
    """The territory a reference names: `departement:64`, `region:75`, `64445`, `64`.

    A bare code is looked up at the levels of BARE_CODE_ORDER and the first match wins.
    """
    level, code = parse_territory_ref(ref)
    levels = [level] if level else list(BARE_CODE_ORDER)
    if code and not CODE.fullmatch(code):
        # Arbitrary bytes (a NUL, which PostgreSQL refuses) never reach a query.
        raise UnknownTerritory(
            "Code de territoire impossible : des chiffres et des lettres, 9 au plus."
        )
    matches = {t.level: t for t in Territory.objects.filter(code=code, level__in=levels)}
    for candidate in levels:
        if candidate in matches:
            return matches[candidate]
    raise UnknownTerritory(
        f"Aucun territoire pour « {ref} » (formats : `commune:64445`, `epci:200067254`, "
        "`departement:64`, `region:75`, ou le code seul)."
    )


def get_territory(*, level: str, code: str) -> Territory:
    """Raises Territory.DoesNotExist, without a query for a code no territory can have."""
    if not CODE.fullmatch(code):
        raise Territory.DoesNotExist
    return Territory.objects.get(level=level, code=code.upper())


def outline_url(territory: Territory) -> str:
    """Where maps fetch `territory`'s outline (GeoJSON), or "" when it has none (the overseas
    collectivities): the path of `GET /api/v1/territories/{level}/{code}/outline`."""
    if territory.bbox_west is None:
        return ""
    return f"/api/v1/territories/{territory.level}/{territory.code}/outline"


def child_territories(territory: Territory) -> list[Territory]:
    """The territories one level below: régions → départements → EPCI → communes."""
    if territory.level == Level.COMMUNE:
        return []
    child_level = {
        Level.REGION: Level.DEPARTEMENT,
        Level.DEPARTEMENT: Level.EPCI,
        Level.EPCI: Level.COMMUNE,
    }[territory.level]
    field = TERRITORY_FIELD_FOR_LEVEL[territory.level]
    return list(
        Territory.objects.filter(level=child_level, **{field: territory.code}).order_by(
            "-population", "name"
        )
    )


def parent_territories(territory: Territory) -> list[Territory]:
    """The territories above, largest first (région, département, EPCI)."""
    refs = [
        (Level.REGION, territory.region_code),
        (Level.DEPARTEMENT, territory.departement_code),
        (Level.EPCI, territory.epci_code),
    ]
    wanted = [(level, code) for level, code in refs if code and level != territory.level]
    found = {
        (t.level, t.code): t
        for t in Territory.objects.filter(code__in=[code for _, code in wanted])
        if (t.level, t.code) in wanted
    }
    return [found[key] for key in wanted if key in found]


def communes_in(territory: Territory):
    """Queryset of the communes inside a territory (the commune itself for a commune)."""
    communes = Territory.objects.filter(level=Level.COMMUNE)
    if territory.level == Level.COMMUNE:
        return communes.filter(pk=territory.pk)
    return communes.filter(**{TERRITORY_FIELD_FOR_LEVEL[territory.level]: territory.code})


# Territory search (the API `GET /api/v1/territories?q=`, the autocompletes and the plain forms).
# Higher levels first when everything else is equal: "Paris" the département before the commune.
LEVEL_ORDER = (Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE)
MAX_SEARCH_CHARS = 100
# Match classes, best first: the whole name, its start, the start of one of its words, anywhere.
EXACT, PREFIX, WORD_PREFIX, CONTAINS = 0, 1, 2, 3
# A qualified suggestion, as the autocompletes write it: "Pau (64)", "Bretagne (région)".
QUALIFIED = re.compile(r"^(?P<name>.+?)\s*\((?P<qualifier>[^()]+)\)\s*$")


# Abbreviations people type for the words names spell out: "St-Étienne" is Saint-Étienne.
ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def search_key(text: str) -> str:
    """The folded form of a typed name, abbreviations spelled out, as `search_name` holds it.

    >>> search_key("St-Étienne-du-Rouvray")
    'saint etienne du rouvray'
    """
    return " ".join(ABBREVIATIONS.get(word, word) for word in fold(text).split())


def _levels(levels) -> list[str]:
    return [level for level in LEVEL_ORDER if not levels or level in levels]


def territory_matches(query: str, *, levels=()):
    """Territories whose folded name holds the folded `query` (or whose code is `query`),
    annotated with `match` (EXACT … CONTAINS) and ordered best first: match class, then
    population (largest first), then level (région first), then name. One query.

    "Gironde" gives the département before Gironde-sur-Dropt (an exact name before a prefix),
    "Pays Basque" the CA du Pays Basque (a word prefix), accents and case aside.
    """
    folded = search_key(query[:MAX_SEARCH_CHARS])
    if not folded:
        return Territory.objects.none()
    wanted = _levels(levels)
    code = query.strip().upper()
    by_code = Q(code=code) if CODE.fullmatch(code) else Q(pk__in=[])
    level_rank = Case(
        *(When(level=level, then=Value(rank)) for rank, level in enumerate(LEVEL_ORDER)),
        output_field=IntegerField(),
    )
    match = Case(
        When(by_code | Q(search_name=folded), then=Value(EXACT)),
        When(search_name__startswith=folded, then=Value(PREFIX)),
        When(search_name__contains=f" {folded}", then=Value(WORD_PREFIX)),
        default=Value(CONTAINS),
        output_field=IntegerField(),
    )
    territories = Territory.objects.filter(by_code | Q(search_name__contains=folded)).annotate(
        match=match, level_rank=level_rank
    )
    if len(wanted) < len(LEVEL_ORDER):
        # On the rank, not the column: SQLite would walk the (level, code) index of 35,000
        # communes and read each row, twice as slow as the scan the `LIKE` needs anyway.
        territories = territories.filter(level_rank__in=[LEVEL_ORDER.index(w) for w in wanted])
    return territories.order_by("match", "-population", "level_rank", "search_name", "code")


def search_territories(query: str, *, levels=(), limit: int = 10) -> list[Territory]:
    """The best `limit` territories for `query` (see `territory_matches`)."""
    return list(territory_matches(query, levels=levels)[:limit])


@dataclass(frozen=True)
class TerritoryChoice:
    """What a name typed in a territory field stands for: one territory, or the candidates the
    person chooses from (none: nothing bears that name)."""

    territory: Territory | None
    candidates: tuple[Territory, ...] = ()


def _qualifier_filter(qualifier: str):
    """A suggestion's qualifier: a level label ("région"), a département code ("64")."""
    folded = fold(qualifier)
    for level in Level:
        if folded == fold(str(level.label)) or folded == level.value:
            return {"level": level.value}
    if CODE.fullmatch(qualifier.strip()):
        return {"departement_code": qualifier.strip().upper()}
    return None


def _best_of_exact(exact: list[Territory]) -> Territory | None:
    """Among territories bearing exactly the typed name, the one it means without asking: the
    only one, or the only one at the highest level when that level is above the commune
    ("Bretagne" is the région, not the two communes of that name). Homonym communes ask."""
    if len(exact) == 1:
        return exact[0]
    top = min(LEVEL_ORDER.index(territory.level) for territory in exact)
    highest = [t for t in exact if LEVEL_ORDER.index(t.level) == top]
    if len(highest) == 1 and highest[0].level != Level.COMMUNE:
        return highest[0]
    return None


def choose_territory(text: str, *, levels=(), limit: int = 10) -> TerritoryChoice:
    """The territory a person means by what they typed: a name ("Gironde", "pays basque"), a
    suggestion of the autocomplete ("Pau (64)", "Bretagne (région)"), a reference
    (`departement:64`) or a code (`64445`). Two queries at most.
    """
    text = text.strip()
    if not text:
        return TerritoryChoice(None)
    if any(char.isdigit() for char in text) or ":" in text:
        try:
            return TerritoryChoice(resolve_territory(text))
        except UnknownTerritory:
            if ":" in text:
                return TerritoryChoice(None)
    qualified = QUALIFIED.match(text)
    if qualified and (extra := _qualifier_filter(qualified["qualifier"])) is not None:
        named = list(
            Territory.objects.filter(
                level__in=_levels(levels), search_name=search_key(qualified["name"]), **extra
            ).order_by("-population")[:limit]
        )
        if len(named) == 1:
            return TerritoryChoice(named[0])
        if named:
            return TerritoryChoice(None, tuple(named))
        text = qualified["name"]
    candidates = search_territories(text, levels=levels, limit=limit)
    exact = [t for t in candidates if t.match == EXACT]
    if exact and (chosen := _best_of_exact(exact)) is not None:
        return TerritoryChoice(chosen, tuple(t for t in candidates if t != chosen))
    if len(candidates) == 1:
        return TerritoryChoice(candidates[0])
    return TerritoryChoice(None, tuple(exact or candidates))


def suggestion_label(territory: Territory) -> str:
    """How the autocompletes write a territory, and `choose_territory` reads it back: a commune
    with its département ("Pau (64)"), any other territory with its level ("Bretagne (région)")."""
    if territory.level == Level.COMMUNE:
        return f"{territory.name} ({territory.departement_code})"
    label = str(Level(territory.level).label)
    return f"{territory.name} ({label if label.isupper() else label.lower()})"


@dataclass(frozen=True)
class CommuneRef:
    """What a place needs to know about its commune."""

    id: int
    code: str
    name: str
    latitude: float | None
    longitude: float | None
    epci_code: str
    departement_code: str
    region_code: str


_REF_FIELDS = (
    "id",
    "code",
    "name",
    "latitude",
    "longitude",
    "epci_code",
    "departement_code",
    "region_code",
)


def _name_variants(name: str) -> set[str]:
    folded = fold(name)
    variants = {folded}
    words = folded.split()
    if words and words[0] in {"st", "ste"}:
        variants.add(" ".join(["saint" if words[0] == "st" else "sainte", *words[1:]]))
    return variants


def communes_by_code(codes) -> dict[str, CommuneRef]:
    """The communes of these INSEE codes, by code, in one query (unknown codes are absent)."""
    rows = Territory.objects.filter(level=Level.COMMUNE, code__in=list(codes)).values_list(
        *_REF_FIELDS
    )
    return {row[1]: CommuneRef(*row) for row in rows}


def _outline_rows(territories):
    return (
        territories.filter(level=Level.COMMUNE)
        .exclude(outline="")
        .order_by("code")
        .values_list("code", "bbox_west", "bbox_south", "bbox_east", "bbox_north", "outline")
    )


def territory_outline(level: str, code: str) -> str | None:
    """The outline of a territory as GeoJSON text ("" when it has none), None when unknown."""
    return (
        Territory.objects.filter(level=level, code=code.upper())
        .values_list("outline", flat=True)
        .first()
    )


def commune_outlines_in(territory: Territory) -> list[tuple[str, str, int, str]]:
    """(code, name, population, outline GeoJSON) of the communes of `territory` that have an
    outline, by code; one query."""
    return list(
        communes_in(territory)
        .exclude(outline="")
        .order_by("code")
        .values_list("code", "name", "population", "outline")
    )


class CommuneIndex:
    """Looks communes up by INSEE code or by postal code and name.

    `CommuneIndex.preload()` reads every commune once (about 35,000 rows, for imports);
    `CommuneIndex()` queries the database per lookup (for a single edit).
    """

    def __init__(self) -> None:
        # Preloaded: the raw rows by code; a CommuneRef is built at the first lookup of a
        # commune, and the postal code index at the first lookup by postal code, so an import
        # pays only for the communes and lookups its rows use.
        self._rows: dict[str, tuple] | None = None
        self._refs: dict[str, CommuneRef] = {}
        self._by_postal: dict[str, list[str]] | None = None
        self._names: dict[str, set[str]] = {}
        self._outlines: OutlineIndex | None = None

    @classmethod
    def preload(cls) -> "CommuneIndex":
        index = cls()
        rows = Territory.objects.filter(level=Level.COMMUNE).values_list(
            *_REF_FIELDS, "postal_codes"
        )
        index._rows = {row[1]: row for row in rows}
        return index

    def by_code(self, code: str) -> CommuneRef | None:
        if self._rows is not None:
            return self._preloaded_ref(code)
        row = (
            Territory.objects.filter(level=Level.COMMUNE, code=code)
            .values_list(*_REF_FIELDS)
            .first()
        )
        return CommuneRef(*row) if row else None

    def by_point(self, latitude: float, longitude: float) -> CommuneRef | None:
        """The commune whose outline holds the point (see `territories.outlines`), or None.

        Preloaded, every commune outline is read once, at the first call (one query); else one
        query reads the outlines whose bounding box is near the point.
        """
        # numpy is imported where a point is looked up, not when a command starts.
        from .outlines import NEAREST_MARGIN_DEG, OutlineIndex

        if self._rows is not None:
            if self._outlines is None:
                self._outlines = OutlineIndex.from_rows(_outline_rows(Territory.objects.all()))
            index = self._outlines
        else:
            margin = NEAREST_MARGIN_DEG * 2  # also covers the longitude stretch up to 60°
            index = OutlineIndex.from_rows(
                _outline_rows(
                    Territory.objects.filter(
                        bbox_west__lte=longitude + margin,
                        bbox_east__gte=longitude - margin,
                        bbox_south__lte=latitude + margin,
                        bbox_north__gte=latitude - margin,
                    )
                )
            )
        code = index.locate(latitude, longitude)
        return self.by_code(code) if code else None

    def _preloaded_ref(self, code: str) -> CommuneRef | None:
        ref = self._refs.get(code)
        if ref is None and (row := self._rows.get(code)) is not None:
            # One instance per commune, so spooled rows share it.
            ref = self._refs[code] = CommuneRef(*row[:-1])
        return ref

    def _preloaded_postal_codes(self) -> dict[str, list[str]]:
        """Commune codes by postal code, built from the preloaded rows at the first need."""
        if self._by_postal is None:
            by_postal: dict[str, list[str]] = defaultdict(list)
            for code, row in self._rows.items():
                for postal_code in row[-1].split("|"):
                    if postal_code:
                        by_postal[postal_code].append(code)
            self._by_postal = dict(by_postal)
        return self._by_postal

    def _preloaded_names(self, code: str) -> set[str]:
        if code not in self._names:
            self._names[code] = _name_variants(self._rows[code][2])
        return self._names[code]

    def _postal_candidates(self, postal_code: str) -> list[tuple[set[str], CommuneRef]]:
        if self._rows is not None:
            return [
                (self._preloaded_names(code), self._preloaded_ref(code))
                for code in self._preloaded_postal_codes().get(postal_code, ())
            ]
        rows = Territory.objects.filter(
            level=Level.COMMUNE, postal_codes__contains=postal_code
        ).values_list(*_REF_FIELDS, "postal_codes")
        return [
            (_name_variants(fields[2]), CommuneRef(*fields))
            for *fields, postal_codes in rows
            if postal_code in postal_codes.split("|")
        ]

    def by_postal_code_and_name(self, postal_code: str, city: str) -> CommuneRef | None:
        """The commune with this postal code and name; with no name, the only one with it."""
        if not postal_code:
            return self._by_name_alone(city)
        candidates = self._postal_candidates(postal_code)
        if not city:
            return candidates[0][1] if len(candidates) == 1 else None
        wanted = _name_variants(city)
        # "Cedex" and arrondissement suffixes are not part of the commune's name.
        wanted |= {variant.replace(" cedex", "").strip() for variant in wanted}
        for names, ref in candidates:
            if names & wanted:
                return ref
        return None

    def _by_name_alone(self, city: str) -> CommuneRef | None:
        """A name without postal code resolves only when a single commune bears it."""
        folded = fold(city)
        if not folded:
            return None
        rows = list(
            Territory.objects.filter(level=Level.COMMUNE, search_name=folded).values_list(
                *_REF_FIELDS
            )[:2]
        )
        return CommuneRef(*rows[0]) if len(rows) == 1 else None
