"""The audit chain is linked at commit (docs/decisions.md, "The audit chain is linked at commit").

Each entry gets a `content_hash` (its content, computed when recorded) and its `hash` becomes
the link SHA-256(content_hash ‖ previous_hash ‖ position), given at commit on PostgreSQL by the
deferred constraint trigger `audit_chain`. Existing entries are linked again by the new formula,
after their chain has been checked by the old one: a chain already broken stops the migration
(re-hashing it would hide what was changed), naming the first bad entry.

The formulas are frozen here, not imported: later code may change, this migration may not.
"""

import hashlib
import json
from datetime import UTC

from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

GENESIS_HASH = "0" * 64
TABLE = "audit_auditentry"
CHAIN_LOCK_KEY = 7881696737270785893  # audit.services.CHAIN_LOCK_KEY
CONTENT_FIELDS = ("at", "actor_ref", "action", "object_type", "object_id", "changes")


def _canonical_json(value):
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def _content(row):
    position, at, actor_ref, action, object_type, object_id, changes = row
    return {
        "position": position,
        "at": at.astimezone(UTC).isoformat(),
        "actor_ref": actor_ref,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "changes": changes,
    }


def _old_hash(content, previous_hash):
    """The formula of migration 0001: one SHA-256 over the content, position and predecessor."""
    document = content | {"previous_hash": previous_hash}
    return hashlib.sha256(_canonical_json(document).encode()).hexdigest()


def _content_hash(content):
    document = {name: content[name] for name in CONTENT_FIELDS}
    return hashlib.sha256(_canonical_json(document).encode()).hexdigest()


def _link_hash(content_hash, previous_hash, position):
    return hashlib.sha256(f"{content_hash}{previous_hash}{position}".encode()).hexdigest()


def _entries(apps, schema_editor):
    """(id, stored hashes, content) of every entry in chain order, streamed."""
    entry = apps.get_model("audit", "AuditEntry")
    if schema_editor.connection.vendor == "postgresql":
        # No entry may be appended while the chain is re-linked.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
    rows = (
        entry.objects.order_by("position")
        .values_list(
            "id",
            "previous_hash",
            "hash",
            "position",
            "at",
            "actor_ref",
            "action",
            "object_type",
            "object_id",
            "changes",
        )
        .iterator(chunk_size=2000)
    )
    for entry_id, stored_previous, stored_hash, *content in rows:
        yield entry_id, stored_previous, stored_hash, _content(content)


def _relink(apps, schema_editor, *, check, link):
    """Check each entry against `check(content, previous) -> hash`, then store `link`'s."""
    expected_position, old_previous, new_previous, updates = 1, GENESIS_HASH, GENESIS_HASH, []
    for entry_id, stored_previous, stored_hash, content in _entries(apps, schema_editor):
        if (
            content["position"] != expected_position
            or stored_previous != old_previous
            or check(content, old_previous) != stored_hash
        ):
            raise RuntimeError(
                f"The audit chain is broken at entry {entry_id}: it is not linked again, "
                "so that what was altered stays visible (maillage verify_audit names it)."
            )
        content_hash, new_hash = link(content, new_previous)
        updates.append((content_hash, new_previous, new_hash, entry_id))
        expected_position, old_previous, new_previous = (
            content["position"] + 1,
            stored_hash,
            new_hash,
        )
    if updates:
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {TABLE} SET content_hash = %s, previous_hash = %s, hash = %s "  # noqa: S608
                "WHERE id = %s",
                updates,
            )


def link_by_the_new_formula(apps, schema_editor):
    def link(content, previous):
        digest = _content_hash(content)
        return digest, _link_hash(digest, previous, content["position"])

    _relink(apps, schema_editor, check=_old_hash, link=link)


def link_by_the_old_formula(apps, schema_editor):
    def check(content, previous):
        return _link_hash(_content_hash(content), previous, content["position"])

    def link(content, previous):
        return "", _old_hash(content, previous)

    _relink(apps, schema_editor, check=check, link=link)


# Runs at commit for each entry recorded without a link (position NULL): takes the chain's
# advisory lock (held to the end of the commit), reads the last linked entry (a statement of a
# volatile function takes a new snapshot, so it sees every entry linked before the lock was
# granted) and links the entry after it. `WHERE "position" IS NULL`: an entry linked meanwhile
# (SET CONSTRAINTS … IMMEDIATE, audit.services.chain_pending) is left as it is.
CREATE_TRIGGER = f"""
CREATE FUNCTION audit_chain_entry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head_position bigint;
    head_hash varchar(64);
BEGIN
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_KEY});
    SELECT "position", hash INTO head_position, head_hash FROM {TABLE}
        WHERE "position" IS NOT NULL ORDER BY "position" DESC LIMIT 1;
    IF NOT FOUND THEN
        head_position := 0;
        head_hash := '{GENESIS_HASH}';
    END IF;
    UPDATE {TABLE}
        SET "position" = head_position + 1,
            previous_hash = head_hash,
            hash = encode(sha256(convert_to(
                content_hash || head_hash || (head_position + 1)::text, 'UTF8')), 'hex')
        WHERE id = NEW.id AND "position" IS NULL;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER audit_chain AFTER INSERT ON {TABLE}
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW."position" IS NULL)
    EXECUTE FUNCTION audit_chain_entry();
"""
DROP_TRIGGER = f"""
DROP TRIGGER IF EXISTS audit_chain ON {TABLE};
DROP FUNCTION IF EXISTS audit_chain_entry();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="content_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="empreinte du contenu"
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(max_length=60, verbose_name="action"),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(
                editable=False, max_length=64, null=True, verbose_name="empreinte"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="position",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, unique=True, verbose_name="rang"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="previous_hash",
            field=models.CharField(
                editable=False,
                max_length=64,
                null=True,
                unique=True,
                verbose_name="empreinte précédente",
            ),
        ),
        migrations.AlterModelOptions(
            name="auditentry",
            options={
                "ordering": ["position", "id"],
                "verbose_name": "entrée du journal d'audit",
                "verbose_name_plural": "entrées du journal d'audit",
            },
        ),
        migrations.RunPython(link_by_the_new_formula, link_by_the_old_formula),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
