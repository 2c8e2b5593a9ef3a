"""Harvesting a peer: reading its changes feed and writing its places here.

1. `GET <peer>/api/v1/federation/instance`: the peer says which instance it is. Its UUID is
   pinned at the first harvest; a peer answering another UUID later (or this instance's own)
   is refused before anything else is read.
2. `GET <peer>/api/v1/places/changes?expand=place&cursor=…`, page after page, from the cursor
   kept at the last harvest, with the ETag of the last page read as `If-None-Match` (a 304 ends
   the harvest at once: nothing changed).
3. Each page is parsed and validated whole (`schemas.PeerChangesPage`, then every place through
   `places.validation.clean_place_input`) *before* anything of it is written: one invalid entry
   refuses the page, with a log entry naming the entry and the field, and nothing of that page
   is written. Pages already written stay (their cursor is saved with them).
4. A valid page is written in one transaction: places through `places.services.upsert_places`
   (source `peer:<id>`, source_id the remote UUID; audit and change-log entries as for an
   import), their provenance (`HarvestedPlace`: remote UUID, remote update time), deletions
   through `places.services.delete_place`, the proposed duplicates, and the peer's cursor.

Local decisions win: places an admin took over or merged are left alone (counted as `kept`),
and a new harvested place that looks like a local one is proposed as a duplicate, never merged.

Every refusal and log entry is a `Message` of a stable code (`harvest.*` here, `fetch.*` from
safe fetching; docs/data.md, « Import error codes »): the job stores its code and params, and
its page renders them in its reader's language.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode
from uuid import UUID

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from pydantic import ValidationError

from maillage.common.actors import SYSTEM
from maillage.common.errors import ErrorCode, Message
from maillage.common.safefetch import FetchPolicy, FetchRefused, fetch
from maillage.common.schema_errors import schema_error_message
from maillage.places import services as place_services
from maillage.places.bulk import source_places
from maillage.places.duplicates import DuplicateIndex, duplicate_index
from maillage.places.rules import HARVESTED_SOURCE_PREFIX
from maillage.places.validation import clean_place_input
from maillage.territories.selectors import CommuneIndex, CommuneRef, communes_by_code

from .models import DuplicateCandidate, HarvestedPlace, Instance, Peer
from .schemas import PeerChange, PeerChangesPage, PeerInstance, PeerPlace

logger = logging.getLogger(__name__)

INSTANCE_PATH = "/api/v1/federation/instance"
CHANGES_PATH = "/api/v1/places/changes"
PAGE_SIZE = 1000
# The fields of a peer's record written here (the write body's names).
RECORD_FIELDS = tuple(name for name in PeerPlace.model_fields if name not in ("uuid", "updated_at"))
# What a peer's record carries beyond the canonical import format: its updates write them too.
PEER_ONLY_FIELDS = ("surface_m2", "capacity", "acceslibre_url")

# What was read, the `what` of the two refusals of an answer.
IDENTITY_ANSWER = ErrorCode("harvest.identity_answer", gettext_noop("identité de l'instance"))
CHANGES_PAGE = ErrorCode(
    "harvest.changes_page", gettext_noop("page de changements (curseur « %(cursor)s »)")
)
# `error` is the JSON parser's words; `message` the first error of the schema, in its own code.
INVALID_JSON = ErrorCode(
    "harvest.invalid_json", gettext_noop("%(what)s : JSON invalide (%(error)s)")
)
INVALID_ANSWER = ErrorCode(
    "harvest.invalid_answer",
    gettext_noop("%(what)s refusé : %(location)s — %(message)s (%(count)d erreur(s))"),
)
SELF_ADDRESS = ErrorCode(
    "harvest.self_address", gettext_noop("cette adresse est celle de cette instance-ci")
)
INSTANCE_CHANGED = ErrorCode(
    "harvest.instance_changed",
    gettext_noop("l'instance répond l'identifiant %(got)s au lieu de %(expected)s"),
)
INSTANCE_PINNED = ErrorCode(
    "harvest.instance_pinned", gettext_noop("identifiant de l'instance retenu : %(uuid)s")
)
PLACE_REFUSED = ErrorCode(
    "harvest.place_refused", gettext_noop("lieu %(uuid)s refusé : %(field)s — %(message)s")
)
DELETION_KEPT = ErrorCode(
    "harvest.deletion_kept",
    gettext_noop("lieu %(uuid)s supprimé chez la pair, gardé ici (décision locale)"),
)
POSSIBLE_DUPLICATE = ErrorCode(
    "harvest.possible_duplicate",
    gettext_noop("doublon possible : « %(name)s » (%(uuid)s) et le lieu local n° %(id)d"),
)


class HarvestRefused(Exception):  # noqa: N818 - reads as a sentence
    """The peer or one of its answers is refused: `reason` is one line for the log, a `Message`
    of its code."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class HarvestCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    kept: int = 0
    duplicates: int = 0
    pages: int = 0
    not_modified: bool = False

    def add(self, other: HarvestCounts) -> None:
        for name in ("created", "updated", "unchanged", "deleted", "kept", "duplicates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


# A log entry: its level and its Message (stored with its code and params).
Log = Callable[[str, Message], None]


def instance_identity() -> Instance:
    """This instance's identity row, created with a new UUID the first time it is asked for."""
    instance = Instance.objects.order_by("pk").first()
    if instance is None:
        instance, _created = Instance.objects.get_or_create(pk=1)
    return instance


def policy() -> FetchPolicy:
    return FetchPolicy(
        total_timeout_s=settings.FEDERATION_TIMEOUT_SECONDS,
        read_timeout_s=min(10.0, settings.FEDERATION_TIMEOUT_SECONDS),
        connect_timeout_s=min(5.0, settings.FEDERATION_TIMEOUT_SECONDS),
        max_bytes=settings.FEDERATION_MAX_RESPONSE_BYTES,
    )


def _parse(body: bytes, model, what: Message):
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise HarvestRefused(INVALID_JSON(what=what, error=str(exc))) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "/"
        raise HarvestRefused(
            INVALID_ANSWER(
                what=what,
                location=location,
                message=schema_error_message(first),
                count=exc.error_count(),
            )
        ) from None


def fetch_identity(base_url: str) -> PeerInstance:
    """What the instance at `base_url` says it is (FetchRefused, HarvestRefused otherwise)."""
    result = fetch(base_url.rstrip("/") + INSTANCE_PATH, policy=policy())
    return _parse(result.body, PeerInstance, IDENTITY_ANSWER())


def check_peer_identity(peer: Peer, *, log: Log) -> PeerInstance:
    """The peer's identity, once it is the instance pinned for this peer (pinned now if new)."""
    identity = fetch_identity(peer.base_url)
    if identity.uuid == instance_identity().uuid:
        raise HarvestRefused(SELF_ADDRESS())
    if peer.instance_uuid is not None and identity.uuid != peer.instance_uuid:
        raise HarvestRefused(
            INSTANCE_CHANGED(got=str(identity.uuid), expected=str(peer.instance_uuid))
        )
    if peer.instance_uuid is None:
        Peer.objects.filter(pk=peer.pk).update(instance_uuid=identity.uuid)
        peer.instance_uuid = identity.uuid
        log("info", INSTANCE_PINNED(uuid=str(identity.uuid)))
    return identity


def harvest_peer(
    peer: Peer,
    *,
    log: Log,
    progress: Callable[[int], None] | None = None,
) -> HarvestCounts:
    """Harvest `peer` from its saved cursor to the end of its feed (see the module's docstring).

    Raises HarvestRefused (or FetchRefused) with the reason when the peer or a page is refused;
    what earlier pages wrote stays, with their cursor.
    """
    check_peer_identity(peer, log=log)
    counts = HarvestCounts()
    communes = _PageCommunes()
    duplicates = _DuplicateFinder()
    entries = 0
    while True:
        query = {"expand": "place", "limit": PAGE_SIZE}
        if peer.cursor:
            query["cursor"] = peer.cursor
        headers = {"If-None-Match": peer.etag} if peer.etag else {}
        result = fetch(
            f"{peer.base_url.rstrip('/')}{CHANGES_PATH}?{urlencode(query)}",
            headers=headers,
            policy=policy(),
        )
        if result.status == 304:
            counts.not_modified = counts.pages == 0
            break
        page = _parse(
            result.body,
            PeerChangesPage,
            CHANGES_PAGE(cursor=peer.cursor or "-"),
        )
        counts.pages += 1
        prepared = _prepare(page, peer, communes)
        with transaction.atomic():
            written = _write(prepared, peer, duplicates, log=log)
            last_entry = _entry_key(page.items[-1]) if page.items else peer.last_entry
            # The last page has no next cursor: keep its resume cursor (the next harvest
            # starts after its last entry), or, from a peer without one, the cursor that read
            # it (the entries already applied are then skipped, see `_prepare`). The ETag is
            # that of the request the next harvest will repeat.
            next_cursor = page.next_cursor or page.resume_cursor or peer.cursor
            etag = "" if page.next_cursor or page.resume_cursor else result.header("etag")[:200]
            Peer.objects.filter(pk=peer.pk).update(
                cursor=next_cursor, etag=etag, last_entry=last_entry
            )
            peer.cursor, peer.etag, peer.last_entry = next_cursor, etag, last_entry
        counts.add(written)
        entries += len(page.items)
        if progress is not None:
            progress(entries)
        if not page.next_cursor:
            break
    Peer.objects.filter(pk=peer.pk).update(last_harvest_at=timezone.now())
    return counts


def _entry_key(change: PeerChange) -> str:
    return f"{change.uuid}|{change.change}|{change.at.isoformat()}"


@dataclass
class _Prepared:
    rows: list = field(default_factory=list)  # (remote uuid, CleanPlace, digest, updated_at)
    deleted: list[UUID] = field(default_factory=list)


class _PageCommunes(CommuneIndex):
    """Communes by INSEE code read in one query per page (`add_codes`), not one per place;
    lookups by postal code and name stay as `CommuneIndex` makes them."""

    def __init__(self) -> None:
        super().__init__()
        self._by_code: dict[str, CommuneRef | None] = {}

    def add_codes(self, codes) -> None:
        missing = {code for code in codes if code and code not in self._by_code}
        if missing:
            found = communes_by_code(missing)
            self._by_code.update({code: found.get(code) for code in missing})

    def by_code(self, code: str) -> CommuneRef | None:
        if code not in self._by_code:
            self._by_code[code] = super().by_code(code)
        return self._by_code[code]


def _prepare(page: PeerChangesPage, peer: Peer, communes: _PageCommunes) -> _Prepared:
    """The page's places validated by our own rules and its deletions; HarvestRefused at the
    first entry that does not pass (nothing of the page is written)."""
    items = page.items
    if peer.last_entry:
        keys = [_entry_key(item) for item in items]
        if peer.last_entry in keys:
            items = items[keys.index(peer.last_entry) + 1 :]
    # The latest entry of each place wins: its record is the place as it is now.
    latest: dict[UUID, PeerChange] = {}
    for item in items:
        latest.pop(item.uuid, None)
        latest[item.uuid] = item
    prepared = _Prepared()
    communes.add_codes(
        change.place.insee_code for change in latest.values() if change.place is not None
    )
    for change in latest.values():
        if change.change == "deleted":
            prepared.deleted.append(change.uuid)
            continue
        if change.place is None:
            # Deleted since: its tombstone comes later in the feed.
            continue
        record = change.place
        data = {name: getattr(record, name) for name in RECORD_FIELDS}
        if data["insee_code"] and communes.by_code(data["insee_code"]) is None:
            # A commune this instance does not know: the coordinates locate the place.
            data["insee_code"] = ""
        data["source_updated_at"] = record.updated_at
        clean, errors = clean_place_input(data, communes=communes)
        if errors:
            raise HarvestRefused(
                PLACE_REFUSED(
                    uuid=str(change.uuid), field=errors[0].field, message=errors[0].message
                )
            )
        digest = hashlib.sha256(
            orjson.dumps(data, default=str, option=orjson.OPT_SORT_KEYS)
        ).hexdigest()
        prepared.rows.append((change.uuid, clean, digest, record.updated_at))
    return prepared


def _write(prepared: _Prepared, peer: Peer, duplicates: _DuplicateFinder, *, log: Log):
    counts = HarvestCounts()
    uuids = [row[0] for row in prepared.rows] + prepared.deleted
    provenance = {
        entry.remote_uuid: entry
        for entry in HarvestedPlace.objects.filter(peer=peer, remote_uuid__in=uuids)
    }
    local_decisions = {
        uuid for uuid, entry in provenance.items() if entry.state != HarvestedPlace.State.HARVESTED
    }
    rows = [row for row in prepared.rows if row[0] not in local_decisions]
    counts.kept += len(prepared.rows) - len(rows)
    if rows:
        upserted = place_services.upsert_places(
            actor=SYSTEM,
            source=peer.source,
            carried=PEER_ONLY_FIELDS,
            batches=[[(str(uuid), clean, digest) for uuid, clean, digest, _at in rows]],
        )
        counts.created, counts.updated, counts.unchanged = (
            upserted.created,
            upserted.updated,
            upserted.unchanged,
        )
        place_ids = dict(
            source_places(peer.source)
            .filter(source_id__in=[str(row[0]) for row in rows])
            .values_list("source_id", "id")
        )
        new_entries, changed_entries = [], []
        for uuid, _clean, _digest, updated_at in rows:
            place_id = place_ids[str(uuid)]
            entry = provenance.get(uuid)
            if entry is None:
                new_entries.append(
                    HarvestedPlace(
                        peer=peer,
                        remote_uuid=uuid,
                        place_id=place_id,
                        remote_updated_at=updated_at,
                    )
                )
            elif entry.remote_updated_at != updated_at or entry.place_id != place_id:
                entry.remote_updated_at, entry.place_id = updated_at, place_id
                changed_entries.append(entry)
        HarvestedPlace.objects.bulk_create(new_entries, batch_size=500)
        HarvestedPlace.objects.bulk_update(
            changed_entries, ["remote_updated_at", "place"], batch_size=500
        )
        # New places, and places whose record changed at the peer (a SIRET added, a move, a
        # new name): either may now match a local place.
        to_check = HarvestedPlace.objects.filter(
            peer=peer,
            remote_uuid__in=[entry.remote_uuid for entry in (*new_entries, *changed_entries)],
        ).select_related("place")
        counts.duplicates += duplicates.propose(list(to_check), log=log)
    for uuid in prepared.deleted:
        entry = provenance.get(uuid)
        if entry is not None and entry.state != HarvestedPlace.State.HARVESTED:
            counts.kept += 1
            log("info", DELETION_KEPT(uuid=str(uuid)))
            continue
        place = source_places(peer.source).filter(source_id=str(uuid)).first()
        if place is not None:
            place_services.delete_place(actor=SYSTEM, place=place)
            counts.deleted += 1
        HarvestedPlace.objects.filter(peer=peer, remote_uuid=uuid).delete()
    return counts


class _DuplicateFinder:
    """Local places (not harvested), indexed once per harvest (`places.duplicates`: same SIRET,
    or same name within DUPLICATE_RADIUS_KM)."""

    def __init__(self) -> None:
        self._index: DuplicateIndex | None = None

    def propose(self, entries: list[HarvestedPlace], *, log: Log) -> int:
        if not entries:
            return 0
        if self._index is None:
            self._index = duplicate_index(excluding_prefix=HARVESTED_SOURCE_PREFIX)
        # Pairs already proposed (and perhaps decided): never proposed again.
        known = set(
            DuplicateCandidate.objects.filter(harvested__in=entries).values_list(
                "harvested_id", "local_id"
            )
        )
        candidates = []
        for entry in entries:
            place = entry.place
            if place is None:
                continue
            matches = self._index.matches(
                name=place.name,
                siret=place.siret,
                latitude=place.latitude,
                longitude=place.longitude,
            )
            for match in matches:
                if (entry.pk, match.place_id) in known:
                    continue
                candidates.append(
                    DuplicateCandidate(
                        harvested=entry,
                        local_id=match.place_id,
                        reason=str(match.reason),
                        distance_m=match.distance_m,
                    )
                )
                log(
                    "warning",
                    POSSIBLE_DUPLICATE(
                        name=place.name, uuid=str(entry.remote_uuid), id=match.place_id
                    ),
                )
        DuplicateCandidate.objects.bulk_create(candidates, ignore_conflicts=True)
        return len(candidates)


__all__ = ["FetchRefused", "HarvestCounts", "HarvestRefused", "harvest_peer", "instance_identity"]
