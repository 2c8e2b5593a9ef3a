# ruff: noqa: S608 - the SQL here is built from this module's constant names; values are parameters
"""Free-text search over places, with each database's own tools.

Every place carries one search document, `Place.search_text`: its name, commune, postal code,
description, kind labels, services and equipment, folded (`common.text.fold`: lower case, no
accents, no punctuation). The writers set it (`search_document`, through
`services.apply_clean_place`, which the bulk writer shares); the database indexes it:

- **SQLite**: an FTS5 table, `places_place_fts` (external content: the document stays in
  `places_place`), kept in step by triggers on `places_place` (the bulk writer of imports
  pauses them and indexes its rows itself, `bulk_indexing`), ranked by `bm25`. A word of the
  query matches the words it starts (`"fab"*`). A word of 4 letters or more that no indexed
  word starts with is taken for a typo, and stands for the indexed words one edit away
  (`fablb` → `fablab`), read from the FTS5 vocabulary (`places_place_fts_vocab`) by range.
- **PostgreSQL**: the same words match, by `LIKE` on a `pg_trgm` index, and so do the words of
  the same stem, by full-text search with the `maillage_french` configuration (`french`
  stemming after `unaccent`) on an expression index. A typo is taken as on SQLite: its
  variants one edit away as one `tsquery`, or a close word by `pg_trgm`'s word similarity
  (`<%`, on the trigram index). Ranked by `ts_rank_cd` plus the word similarity.

Every word must match (AND), as before. See docs/decisions.md ("Search").
"""

import functools
import string
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.models import BooleanField, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import translation

from maillage.common.text import fold

from .kinds import PlaceKind

FTS_TABLE = "places_place_fts"
VOCABULARY_TABLE = "places_place_fts_vocab"
PG_CONFIG = "maillage_french"
# PostgreSQL: words shorter than this skip full-text search (stop words: "de", "la").
MIN_WORD_LENGTH = 3
# Words shorter than this are never taken for typos ("pau" is one edit from "peu", "par"…).
MIN_TYPO_LENGTH = 4
# The indexed words that may stand in for one word of the query, at most.
MAX_EXPANSIONS = 40
# pg_trgm's word similarity above which a word of the query matches (the extension's default).
PG_WORD_SIMILARITY = 0.6
# The characters of folded text: an edit replaces or inserts one of them.
ALPHABET = string.ascii_lowercase + string.digits


def search_document(
    *,
    name: str,
    city: str,
    postal_code: str,
    description: str,
    kinds: list[str] | tuple[str, ...],
    services: list[str] | tuple[str, ...],
    equipment: list[str] | tuple[str, ...],
) -> str:
    """The folded text a place is found by. Kind labels are the French ones, whatever the
    language of the request that writes: the document must not depend on who saved last."""
    french = french_kind_labels()
    labels = [french[kind] for kind in kinds if kind in french]
    parts = [name, city, postal_code, *labels, *services, *equipment, description]
    return fold(" ".join(part for part in parts if part))


@functools.cache
def french_kind_labels() -> dict[str, str]:
    """Each kind's French label, read once: activating a language for every place written
    was a quarter of the time an import spent preparing a new place."""
    with translation.override("fr"):
        return {kind.value: str(kind.label) for kind in PlaceKind}


def words_of(query: str) -> list[str]:
    """The distinct folded words of a query, in their order."""
    return list(dict.fromkeys(fold(query).split()))


def edit_variants(word: str) -> set[str]:
    """Every string one edit away from `word` (a letter removed, replaced, inserted, or two
    neighbours swapped), over the alphabet of folded text."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletions = {left + right[1:] for left, right in splits if right}
    swaps = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    replacements = {left + char + right[1:] for left, right in splits if right for char in ALPHABET}
    insertions = {left + char + right for left, right in splits for char in ALPHABET}
    return (deletions | swaps | replacements | insertions) - {word}


def text_search(places: QuerySet, query: str) -> QuerySet:
    """`places` whose document matches every word of `query`, annotated with `relevance`
    (lower is better, to sort ascending with other keys)."""
    words = words_of(query)
    if not words:
        return places
    if connections[places.db].vendor == "postgresql":
        return _postgresql_search(places, words, query)
    return _sqlite_search(places, words)


# SQLite: FTS5


def _range(prefix: str) -> list[str]:
    """[prefix, next) bounds of the words starting with `prefix` (folded text is ASCII)."""
    return [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)]


def is_one_edit_away(word: str, term: str) -> bool:
    """True when `term` is `word` with one letter removed, replaced, inserted, or two
    neighbouring letters swapped."""
    if word == term or abs(len(word) - len(term)) > 1:
        return False
    start = 0
    while start < min(len(word), len(term)) and word[start] == term[start]:
        start += 1
    end_word, end_term = len(word), len(term)
    while end_word > start and end_term > start and word[end_word - 1] == term[end_term - 1]:
        end_word -= 1
        end_term -= 1
    left, right = word[start:end_word], term[start:end_term]
    if len(left) <= 1 and len(right) <= 1:
        return True
    return len(left) == len(right) == 2 and left == right[::-1]


def _expansions(words: list[str], db: str) -> dict[str, list[str]]:
    """For each word taken for a typo, the indexed words one edit away that stand in for it.

    A word of MIN_TYPO_LENGTH letters or more is taken for a typo when no indexed word starts
    with it: one query asks the FTS5 vocabulary, by a range lookup per word, for the first word
    starting so. Only for a typo (rare), a second query reads the indexed words of about the
    same length starting with the word's first or second letter (a range each), and those one
    edit away are kept: a typo in the first letter is forgiven when it is a letter too many or
    two letters swapped, not a letter replaced or missing at the start.
    """
    long_words = [word for word in words if len(word) >= MIN_TYPO_LENGTH]
    if not long_words:
        return {}
    first_of = " UNION ALL ".join(
        [
            f"SELECT * FROM (SELECT term FROM {VOCABULARY_TABLE} WHERE term >= %s AND term < %s "
            "LIMIT 1)"
        ]
        * len(long_words)
    )
    with connections[db].cursor() as cursor:
        cursor.execute(first_of, [bound for word in long_words for bound in _range(word)])
        starts = [row[0] for row in cursor.fetchall()]
        typos = [w for w in long_words if not any(term.startswith(w) for term in starts)]
        if not typos:
            return {}
        ranges, params = [], []
        for word in typos:
            for letter in dict.fromkeys(word[:2]):
                ranges.append(
                    f"SELECT term FROM {VOCABULARY_TABLE} WHERE term >= %s AND term < %s "
                    "AND length(term) BETWEEN %s AND %s"
                )
                params += [*_range(letter), len(word) - 1, len(word) + 1]
        cursor.execute(" UNION ".join(ranges), params)
        terms = sorted(row[0] for row in cursor.fetchall())
    return {
        word: [term for term in terms if is_one_edit_away(word, term)][:MAX_EXPANSIONS]
        for word in typos
    }


def match_expression(words: list[str], expansions: dict[str, list[str]]) -> str:
    """The FTS5 query: for each word, the words it starts or one of its stand-ins; all words.

    Words are folded ([a-z0-9] only), so quoting them is enough to keep FTS5 syntax out."""
    groups = []
    for word in words:
        alternatives = [f'"{word}"*', *(f'"{term}"' for term in expansions.get(word, ()))]
        groups.append("(" + " OR ".join(dict.fromkeys(alternatives)) + ")")
    return " AND ".join(groups)


def _sqlite_search(places: QuerySet, words: list[str]) -> QuerySet:
    expression = match_expression(words, _expansions(words, places.db))
    # Joined, so that FTS5 ranks every match in one pass of its index (`rank` is bm25); a
    # correlated subquery per row would search again for each one. `id` is unqualified (the
    # FTS table has no such column): Django renames places_place (U0) in subqueries.
    return places.extra(  # noqa: S610 - fixed SQL, the query as a parameter
        tables=[FTS_TABLE],
        where=[f"{FTS_TABLE}.rowid = id", f"{FTS_TABLE} MATCH %s"],
        params=[expression],
        select={"relevance": f"{FTS_TABLE}.rank"},
    )


# PostgreSQL: full-text search and pg_trgm


def _postgresql_search(places: QuerySet, words: list[str], query: str) -> QuerySet:
    vector = f"to_tsvector('{PG_CONFIG}', search_text)"
    for word in words:
        # A word matches the words it starts, as FTS5's "word"* on SQLite (LIKE on the trigram
        # index); from MIN_WORD_LENGTH letters, also the words of the same stem.
        direct = "(search_text LIKE %s OR search_text LIKE %s"
        direct_params: list = [f"{word}%", f"% {word}%"]
        if len(word) >= MIN_WORD_LENGTH:
            direct += f" OR {vector} @@ to_tsquery('{PG_CONFIG}', %s)"
            direct_params.append(f"{word}:*")
        direct += ")"
        condition, params = direct, list(direct_params)
        if len(word) >= MIN_TYPO_LENGTH:
            # Taken for a typo only when no place matches it (an InitPlan, evaluated once):
            # then the words one edit away (those SQLite looks up: starting with the word's
            # first or second letter), one tsquery the GIN index answers, or a close word by
            # pg_trgm's word similarity on the trigram index.
            condition = (
                f"({direct} OR (NOT EXISTS (SELECT 1 FROM places_place WHERE {direct}) "
                f"AND ({vector} @@ to_tsquery('{PG_CONFIG}', %s) OR %s <%% search_text)))"
            )
            variants = sorted(v for v in edit_variants(word) if v[:1] in word[:2])
            params = [*direct_params, *direct_params, " | ".join(variants), word]
        places = places.filter(RawSQL(condition, params, output_field=BooleanField()))  # noqa: S611
    long_words = [word for word in words if len(word) >= MIN_WORD_LENGTH]
    rank = "0"
    params = []
    if long_words:
        rank = f"ts_rank_cd({vector}, to_tsquery('{PG_CONFIG}', %s))"
        params.append(" | ".join(f"{word}:*" for word in long_words))
    relevance = RawSQL(  # noqa: S611 - fixed SQL, the query as a parameter
        f"-({rank} + word_similarity(%s, search_text))",
        [*params, " ".join(words)],
        output_field=FloatField(),
    )
    return places.annotate(relevance=relevance)


# The schema of the search index, created by migration 0009 and checked after every `migrate`
# (`ensure_search_index`): on SQLite, Django rebuilds a table to alter it, which drops its
# triggers, so they are put back (and the index rebuilt) whenever they are missing.

SQLITE_TRIGGERS = {
    "places_place_fts_insert": f"""
        CREATE TRIGGER places_place_fts_insert AFTER INSERT ON places_place BEGIN
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
    "places_place_fts_delete": f"""
        CREATE TRIGGER places_place_fts_delete AFTER DELETE ON places_place BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
                VALUES ('delete', old.id, old.search_text);
        END""",
    "places_place_fts_update": f"""
        CREATE TRIGGER places_place_fts_update AFTER UPDATE OF search_text ON places_place
        BEGIN
            INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text)
                VALUES ('delete', old.id, old.search_text);
            INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
        END""",
}
SQLITE_TABLES = (
    # External content: the words are indexed, the text stays in places_place. Prefix indexes
    # of 2 and 3 letters make `"fa"*` and `"fab"*` index lookups.
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(search_text, "
    "content='places_place', content_rowid='id', prefix='2 3')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {VOCABULARY_TABLE} USING fts5vocab({FTS_TABLE}, 'row')",
)
SQLITE_DROP = (
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    f"DROP TABLE IF EXISTS {VOCABULARY_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
)
POSTGRESQL_SCHEMA = (
    # Both extensions are trusted (PostgreSQL 13+): the database's owner may create them.
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    f"""DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = '{PG_CONFIG}') THEN
            CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = french);
            ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG}
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
        END IF;
    END $$""",
    "CREATE INDEX IF NOT EXISTS place_search_fts ON places_place "
    f"USING gin (to_tsvector('{PG_CONFIG}', search_text))",
    "CREATE INDEX IF NOT EXISTS place_search_trgm ON places_place "
    "USING gin (search_text gin_trgm_ops)",
)
POSTGRESQL_DROP = (
    "DROP INDEX IF EXISTS place_search_trgm",
    "DROP INDEX IF EXISTS place_search_fts",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}",
)


def install_search_index(connection) -> None:
    """Create the search index of this database (idempotent); on SQLite, fill it."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for statement in POSTGRESQL_SCHEMA:
                cursor.execute(statement)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TABLES:
                cursor.execute(statement)
            _sqlite_triggers_and_rebuild(cursor)


def _sqlite_triggers_and_rebuild(cursor) -> None:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'places_place'"
    )
    present = {row[0] for row in cursor.fetchall()}
    missing = [name for name in SQLITE_TRIGGERS if name not in present]
    for name in missing:
        cursor.execute(SQLITE_TRIGGERS[name])
    if missing:
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")


# The triggers a bulk writer pauses: it indexes its rows itself, in two statements a batch.
_BULK_PAUSED_TRIGGERS = ("places_place_fts_insert", "places_place_fts_update")


class BulkIndex:
    """The search index's side of a bulk write (`bulk_indexing`): `forget` the documents of
    places about to be rewritten, then `index` the places written. Does nothing but on SQLite,
    where the PostgreSQL expression indexes need no help."""

    def __init__(self, cursor=None) -> None:
        self._cursor = cursor

    def forget(self, place_ids: list[int]) -> None:
        """Remove the words of these places' current documents (call it before rewriting them:
        an external-content FTS5 table removes a row given the text it indexed)."""
        if self._cursor is None or not place_ids:
            return
        self._cursor.execute(
            f"SELECT id, search_text FROM places_place WHERE id IN ({_placeholders(place_ids)})",
            place_ids,
        )
        self._cursor.executemany(
            f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', %s, %s)",
            self._cursor.fetchall(),
        )

    def index(self, place_ids: list[int]) -> None:
        """Index the documents of these places as they are now written, in one statement."""
        if self._cursor is None or not place_ids:
            return
        self._cursor.execute(
            f"INSERT INTO {FTS_TABLE}(rowid, search_text) SELECT id, search_text "
            f"FROM places_place WHERE id IN ({_placeholders(place_ids)})",
            place_ids,
        )


def _placeholders(values: list) -> str:
    return ", ".join(["%s"] * len(values))


@contextmanager
def bulk_indexing(using: str = "default") -> Iterator[BulkIndex]:
    """Write many places without the SQLite triggers; the writer indexes them through the
    `BulkIndex` given (see `bulk.BulkUpserter`). Inside a transaction only; the block is a
    savepoint of it, whatever the database.

    A trigger indexes one row per statement, and FTS5 writes each trigger's words to disk apart
    (a segment each, merged again and again): inserting 5,000 places took 1.1 s with the
    trigger, 0.18 s without it plus 0.06 s to index them in one `INSERT … SELECT`
    (benchmarks/import_bench.py). The triggers are dropped and created again in a savepoint
    of the writer's transaction, so they are back if anything fails (SQLite's schema changes
    are transactional), and no other connection ever sees them missing: SQLite lets one
    writer at a time in, and readers see the schema as last committed.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        # A savepoint too, so that a failure inside undoes the same on both databases.
        with transaction.atomic(using=using):
            yield BulkIndex()
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for name in _BULK_PAUSED_TRIGGERS:
            cursor.execute(f"DROP TRIGGER {name}")
        yield BulkIndex(cursor)
        for name in _BULK_PAUSED_TRIGGERS:
            cursor.execute(SQLITE_TRIGGERS[name])


def uninstall_search_index(connection) -> None:
    with connection.cursor() as cursor:
        for statement in SQLITE_DROP if connection.vendor == "sqlite" else POSTGRESQL_DROP:
            cursor.execute(statement)


def ensure_search_index(using: str = "default", **_kwargs) -> None:
    """After `migrate`: put back the SQLite triggers a table rebuild dropped (one query when
    nothing is missing). A `post_migrate` receiver (`PlacesConfig.ready`)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = %s", [FTS_TABLE])
        if cursor.fetchone() is None:
            return  # not migrated that far (or migrated back)
        _sqlite_triggers_and_rebuild(cursor)
