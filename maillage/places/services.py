"""Every write on places goes through these functions (views, API, imports, commands).

Each takes its `actor` keyword-only: a user, or `common.actors.SYSTEM` for management
commands; None is a TypeError, never a way around the permission checks.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.models import User
from maillage.accounts.rules import is_instance_admin
from maillage.audit.services import record, record_many
from maillage.common.actors import SystemActor, check_actor
from maillage.common.errors import FieldError, PermissionDenied, ValidationFailed
from maillage.common.text import fold, label_key
from maillage.territories.selectors import CommuneIndex, CommuneRef

from . import bulk, moves
from .fields import View, names_for
from .formats.osm import OsmObject
from .models import Label, Network, OsmRecord, Place, PlaceChange, PlaceKindLink, PlaceRole
from .rules import (
    can_create_place,
    can_delete_place,
    can_edit_network,
    can_edit_place,
    can_manage_roles,
)
from .search import search_document
from .validation import CleanPlace, clean_place_input

# The scalar values of a CleanPlace, copied as they are onto the model (places.fields).
SCALAR_FIELDS = names_for(View.CLEAN)


# A place's contact e-mail or phone may be a person's own: the audit log keeps their values out
# of its hashed content, so that erasing that person leaves the chain intact.
PERSONAL_FIELDS = ("email", "phone")


def _audited_values(clean: CleanPlace | None) -> dict[str, Any]:
    """What the audit log compares: every validated field, the commune by its INSEE code."""
    if clean is None:
        return {}
    values = {name: getattr(clean, name) for name in SCALAR_FIELDS}
    values["insee_code"] = clean.insee_code
    values.update(kinds=clean.kinds, services=clean.services, equipment=clean.equipment)
    return values


def _or_none(value: Any) -> Any:
    return None if value in ("", [], None) else value


def _changed_fields(before: CleanPlace | None, after: CleanPlace | None) -> dict[str, list]:
    """`{field: [old, new]}` for the fields that differ; blank values count as absent."""
    return changed_values(_audited_values(before), _audited_values(after))


def changed_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list]:
    """`{field: [old, new]}` for the fields whose values differ; blank values count as absent."""
    changes = {}
    for name in dict.fromkeys([*old, *new]):
        pair = [_or_none(old.get(name)), _or_none(new.get(name))]
        if pair[0] != pair[1]:
            changes[name] = pair
    return changes


def _record(actor, action: str, place: Place, changes: dict[str, list]) -> None:
    record(
        actor=actor, action=action, target=place, changes=changes, personal_fields=PERSONAL_FIELDS
    )


def clean_place_from_instance(place: Place) -> CleanPlace:
    """The current state of a place in the validator's terms (base for partial updates)."""
    commune = None
    if place.commune is not None:
        commune = CommuneRef(
            id=place.commune.pk,
            code=place.insee_code,
            name=place.commune.name,
            latitude=place.commune.latitude,
            longitude=place.commune.longitude,
            epci_code=place.epci_code,
            departement_code=place.departement_code,
            region_code=place.region_code,
        )
    values = {name: getattr(place, name) for name in SCALAR_FIELDS}
    return CleanPlace(
        **values,
        commune=commune,
        kinds=[link.kind for link in place.kind_links.all()],
        services=[label.name for label in place.services.all()],
        equipment=[label.name for label in place.equipment.all()],
    )


def unique_slug(name: str, city: str, *, exclude_id: int | None = None) -> str:
    """`name-city`, with -2, -3… when taken, so URLs stay readable and stable."""
    base = bulk.slug_base(name, city)
    others = Place.objects.filter(slug__startswith=base)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    return bulk.next_free_slug(base, set(others.values_list("slug", flat=True)))[0]


def get_or_create_labels(category: str, names: list[str]) -> list[Label]:
    """Labels for `names`, matched by `label_key` (case and spacing aside), created when missing."""
    keyed = {label_key(name): name for name in names}
    existing = {
        label.key: label for label in Label.objects.filter(category=category, key__in=list(keyed))
    }
    missing = [
        Label(category=category, name=name, folded=fold(name), key=key)
        for key, name in keyed.items()
        if key not in existing
    ]
    if missing:
        Label.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {
            label.key: label
            for label in Label.objects.filter(category=category, key__in=list(keyed))
        }
    return [existing[key] for key in keyed]


def apply_clean_place(place: Place, clean: CleanPlace) -> None:
    """Copy validated values onto `place` (not saved): the single mapping used by every writer."""
    for name in SCALAR_FIELDS:
        setattr(place, name, getattr(clean, name))
    commune = clean.commune
    place.commune_id = commune.id if commune else None
    place.insee_code = commune.code if commune else ""
    place.epci_code = commune.epci_code if commune else ""
    place.departement_code = commune.departement_code if commune else ""
    place.region_code = commune.region_code if commune else ""
    place.search_text = search_document(
        name=clean.name,
        city=clean.city,
        postal_code=clean.postal_code,
        description=clean.description,
        kinds=clean.kinds,
        services=clean.services,
        equipment=clean.equipment,
    )


def save_place_relations(place: Place, clean: CleanPlace) -> None:
    """Replace kinds, services and equipment of a saved place."""
    PlaceKindLink.objects.filter(place=place).exclude(kind__in=clean.kinds).delete()
    PlaceKindLink.objects.bulk_create(
        [PlaceKindLink(place=place, kind=kind) for kind in clean.kinds], ignore_conflicts=True
    )
    place.services.set(get_or_create_labels(Label.Category.SERVICE, clean.services))
    place.equipment.set(get_or_create_labels(Label.Category.EQUIPMENT, clean.equipment))


def _validate(data: Mapping[str, Any], base: CleanPlace | None) -> CleanPlace:
    clean, errors = clean_place_input(data, communes=CommuneIndex(), base=base)
    if errors:
        raise ValidationFailed(errors)
    return clean


@transaction.atomic
def create_place(
    *, actor: User | SystemActor, data: Mapping[str, Any], source: str = "", source_id: str = ""
) -> Place:
    """Create a place from raw input; `actor` must be allowed to (see rules.can_create_place)."""
    check_actor(actor)
    if not can_create_place(actor):
        raise PermissionDenied
    clean = _validate(data, None)
    place = Place(source=source, source_id=source_id)
    apply_clean_place(place, clean)
    place.slug = unique_slug(clean.name, clean.city)
    place.save()
    save_place_relations(place, clean)
    _record(actor, "place.create", place, _changed_fields(None, clean))
    _log_change(place, PlaceChange.Change.CREATED)
    return place


@transaction.atomic
def update_place(*, actor: User | SystemActor, place: Place, changes: Mapping[str, Any]) -> Place:
    """Apply a partial change; fields absent from `changes` keep their value."""
    check_actor(actor)
    if not can_edit_place(actor, place):
        raise PermissionDenied
    place = Place.objects.select_for_update().get(pk=place.pk)
    before = clean_place_from_instance(place)
    clean = _validate(changes, before)
    apply_clean_place(place, clean)
    place.save()
    save_place_relations(place, clean)
    if changed := _changed_fields(before, clean):
        _record(actor, "place.update", place, changed)
        _log_change(place, PlaceChange.Change.UPDATED)
    return place


ROLE_FIELD = "role"


@transaction.atomic
def grant_place_role(
    *, actor: User | SystemActor, place: Place, user: User, role: str
) -> PlaceRole:
    """Give `user` the `role` (manager or staff) on `place`, replacing the role they had there;
    `actor` must manage its roles (rules.can_manage_roles). Audited on the place.
    """
    check_actor(actor)
    if not can_manage_roles(actor, place):
        raise PermissionDenied
    if role not in PlaceRole.Role.values:
        raise ValidationFailed([FieldError(ROLE_FIELD, _("Ce rôle n'existe pas."))])
    current = PlaceRole.objects.select_for_update().filter(place=place, user=user).first()
    before = current.role if current else None
    if current is None:
        current = PlaceRole.objects.create(place=place, user=user, role=role)
    elif current.role != role:
        current.role = role
        current.save(update_fields=["role"])
    if before != role:
        # The user by id only: a reference, not personal data, in the hashed log.
        _record(actor, "place.role.grant", place, {f"role:{user.pk}": [before, role]})
    return current


@transaction.atomic
def revoke_place_role(*, actor: User | SystemActor, place: Place, user: User) -> None:
    """Take away whatever role `user` has on `place` (nothing to do when they have none).

    A manager may revoke their own role, even the last one: instance administrators can always
    give the place new managers.
    """
    check_actor(actor)
    if not can_manage_roles(actor, place):
        raise PermissionDenied
    current = PlaceRole.objects.select_for_update().filter(place=place, user=user).first()
    if current is None:
        return
    current.delete()
    _record(actor, "place.role.revoke", place, {f"role:{user.pk}": [current.role, None]})


@transaction.atomic
def delete_place(*, actor: User | SystemActor, place: Place) -> None:
    check_actor(actor)
    if not can_delete_place(actor, place):
        raise PermissionDenied
    # Locked first, like update_place, so both take the place then the audit log, in that order.
    locked = Place.objects.select_for_update().get(pk=place.pk)
    _record(actor, "place.delete", locked, _changed_fields(clean_place_from_instance(locked), None))
    _log_change(locked, PlaceChange.Change.DELETED)
    # Its memberships go with it: the network hours of its members can move to their other
    # places (places.moves).
    with moves.moving(places=[locked.pk]):
        place.delete()


@transaction.atomic
def set_place_source(
    *, actor: User | SystemActor, place: Place, source: str, source_id: str = ""
) -> Place:
    """Give a place another provenance (`source`, `source_id`); instance administrators only.

    Federation's "take over" uses it: a harvested place (source `peer:<id>`) given a local
    source becomes editable here and is no longer written by harvests. Audited; the changes
    feed records an update.
    """
    check_actor(actor)
    if not is_instance_admin(actor):
        raise PermissionDenied
    locked = Place.objects.select_for_update().get(pk=place.pk)
    changes = changed_values(
        {"source": locked.source, "source_id": locked.source_id},
        {"source": source, "source_id": source_id},
    )
    if not changes:
        return locked
    locked.source, locked.source_id = source, source_id
    locked.save(update_fields=["source", "source_id", "updated_at"])
    _record(actor, "place.source", locked, changes)
    _log_change(locked, PlaceChange.Change.UPDATED)
    return locked


NETWORK_FIELDS = ("name", "slug", "description", "places", "coordinators")


def _network_state(network: Network | None) -> dict[str, Any]:
    if network is None or network.pk is None:
        return {}
    return {
        "name": network.name,
        "slug": network.slug,
        "description": network.description,
        # Places and people by id: references, not personal data, in the hashed log.
        "places": sorted(network.places.values_list("pk", flat=True)),
        "coordinators": sorted(network.coordinators.values_list("pk", flat=True)),
    }


@transaction.atomic
def save_network(
    *, actor: User | SystemActor, network: Network | None, data: Mapping[str, Any]
) -> Network:
    """Create a network (`network` None) or change one: `data` holds its name, slug,
    description, places and coordinators (rules.can_edit_network). Audited.
    """
    check_actor(actor)
    if not can_edit_network(actor, network):
        raise PermissionDenied
    before = _network_state(network)
    network = network or Network()
    network.name, network.slug = data["name"], data["slug"]
    network.description = data.get("description", "")
    network.save()
    wanted = {getattr(place, "pk", place) for place in data.get("places", [])}
    # The members of the places joining or leaving can have their network hours moved from
    # one place to another (places.moves).
    with moves.moving(places=wanted ^ set(before.get("places", []))):
        network.places.set(wanted)
    network.coordinators.set(data.get("coordinators", []))
    after = _network_state(network)
    changes = {
        name: [before.get(name), after[name]]
        for name in NETWORK_FIELDS
        if before.get(name) != after[name]
    }
    if changes:
        record(
            actor=actor,
            action="network.update" if before else "network.create",
            target=network,
            changes=changes,
        )
    return network


@transaction.atomic
def delete_network(*, actor: User | SystemActor, network: Network) -> None:
    """Remove a network; its places stay, and their managers keep their roles. Its time bank,
    if it ran one, goes with it: its accounts and transfers."""
    check_actor(actor)
    if not can_edit_network(actor, network):
        raise PermissionDenied
    before = _network_state(network)
    record(
        actor=actor,
        action="network.delete",
        target=network,
        changes={name: [value, None] for name, value in before.items()},
    )
    # Its bank's transfers counted at its places: they are gone once it is (places.moves).
    with moves.moving(places=before.get("places", [])):
        network.delete()


def _log_change(place: Place, change: str) -> None:
    """The change-log entry of a place write; after its audit entry (see
    `bulk.record_place_changes` for why the order matters)."""
    bulk.record_place_changes(
        [(place.uuid, change, place.source, place.source_id)], at=timezone.now()
    )


def upsert_places(
    *,
    actor: User | SystemActor,
    source: str,
    batches: Iterable[list[bulk.Row]],
    write: bool = True,
    carried: tuple[str, ...] = (),
) -> bulk.UpsertCounts:
    """Create or update the places of `source` from validated rows, matched on source_id.

    `batches` yields lists of `(source_id, CleanPlace, digest)`; each batch is written in a
    transaction of its own (a savepoint when called inside one) with an audit entry and a
    change-log entry per place created or updated, `actor` (a user, or SYSTEM) as their author.
    A row whose digest is the one stored is left untouched. With `write=False` nothing is
    written and the counts tell what would be. Permissions are the caller's (imports check
    `opendata.rules.can_import_places`); see `places.bulk` for how batches are written.
    `carried` names the fields beyond the canonical format's that the source's rows carry.
    """
    check_actor(actor)
    upserter = bulk.BulkUpserter(source, actor=actor, write=write, carried=carried)
    created = updated = unchanged = 0
    for batch in batches:
        counts = upserter.upsert(batch)
        created += counts.created
        updated += counts.updated
        unchanged += counts.unchanged
    return bulk.UpsertCounts(created, updated, unchanged)


# --- OpenStreetMap records ------------------------------------------------------------------

OSM_RECORD_BATCH = 1000
_OSM_RECORD_FIELDS = ("tags", "latitude", "longitude", "version", "osm_timestamp", "digest")


@dataclass(frozen=True)
class OsmRecordCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _chunks(items: Iterable[OsmObject], size: int) -> Iterator[list[OsmObject]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def store_osm_records(
    *, actor: User | SystemActor, source: str, objects: Iterable[OsmObject]
) -> OsmRecordCounts:
    """Store the OSM objects an import read (`opendata.osm`), one transaction per batch.

    Matched on `osm_id`: an object read again with the same tags, position and version is left
    as it is; a changed one is updated. A record without a place is linked to the place
    imported from it (`source`, source_id = osm_id); a record already linked keeps its place
    (one an administrator chose, `link_osm_record`, wins over the import). Permissions are the
    caller's (the import checks them); audited, one entry per record created or changed.
    """
    check_actor(actor)
    created = updated = unchanged = 0
    for chunk in _chunks(objects, OSM_RECORD_BATCH):
        with transaction.atomic():
            counts = _store_osm_chunk(actor, source, chunk)
        created += counts.created
        updated += counts.updated
        unchanged += counts.unchanged
    return OsmRecordCounts(created, updated, unchanged)


def _store_osm_chunk(actor, source: str, chunk: list[OsmObject]) -> OsmRecordCounts:
    ids = [obj.osm_id for obj in chunk]
    existing = {record.osm_id: record for record in OsmRecord.objects.filter(osm_id__in=ids)}
    places = dict(
        Place.objects.filter(source=source, source_id__in=ids).values_list("source_id", "pk")
    )
    now = timezone.now()
    new: list[OsmRecord] = []
    changed: list[OsmRecord] = []
    entries: list[tuple[str, Any, Mapping[str, Any]]] = []
    for obj in chunk:
        digest = obj.digest()
        place_id = places.get(obj.osm_id)
        record = existing.get(obj.osm_id)
        if record is None:
            new.append(
                OsmRecord(
                    osm_id=obj.osm_id,
                    place_id=place_id,
                    tags=obj.tags,
                    latitude=obj.latitude,
                    longitude=obj.longitude,
                    version=obj.version,
                    osm_timestamp=obj.timestamp,
                    digest=digest,
                    imported_at=now,
                )
            )
            continue
        # A link already made stays (an administrator's choice wins over the import's).
        link = record.place_id if record.place_id is not None else place_id
        if record.digest == digest and record.place_id == link:
            continue
        changes: dict[str, list[Any]] = {}
        if record.version != obj.version:
            changes["version"] = [record.version, obj.version]
        if record.place_id != link:
            changes["place"] = [record.place_id, link]
        if record.digest != digest:
            changes["tags"] = [record.tags, obj.tags]
        record.tags, record.latitude, record.longitude = obj.tags, obj.latitude, obj.longitude
        record.version, record.osm_timestamp, record.digest = obj.version, obj.timestamp, digest
        record.place_id, record.imported_at = link, now
        changed.append(record)
        entries.append(("osm_record.update", record.pk, changes))
    if new:
        OsmRecord.objects.bulk_create(new, batch_size=OSM_RECORD_BATCH)
        # Primary keys for the audit log (SQLite and PostgreSQL both return them).
        entries.extend(
            ("osm_record.create", record.pk, {"osm_id": [None, record.osm_id]}) for record in new
        )
    if changed:
        OsmRecord.objects.bulk_update(
            changed, [*_OSM_RECORD_FIELDS, "place", "imported_at"], batch_size=OSM_RECORD_BATCH
        )
    if entries:
        record_many(actor=actor, object_type=OsmRecord._meta.label_lower, entries=entries)
    return OsmRecordCounts(len(new), len(changed), len(chunk) - len(new) - len(changed))


@transaction.atomic
def link_osm_record(
    *, actor: User | SystemActor, osm_record: OsmRecord, place: Place | None
) -> OsmRecord:
    """Link an OSM record to a place (or unlink it, `place=None`): a place of another source
    that is this OSM object shows how it differs from it. Instance administrators only."""
    check_actor(actor)
    if not is_instance_admin(actor):
        raise PermissionDenied
    locked = OsmRecord.objects.select_for_update().get(pk=osm_record.pk)
    place_id = place.pk if place is not None else None
    if locked.place_id != place_id:
        record(
            actor=actor,
            action="osm_record.link",
            target=locked,
            changes={"place": [locked.place_id, place_id]},
        )
        locked.place_id = place_id
        locked.save(update_fields=["place"])
    return locked
