"""Taking a limited thing without ever giving it twice, on SQLite and on PostgreSQL.

Bookings, event seats and loans all hand out something scarce to concurrent requests. Reading
"how many are left?" in Python and then writing is wrong under concurrency: two requests read
"one left" at the same moment and both write. The database decides instead, in the same
transaction as the row that records who got it. Two shapes cover every case:

**Counted seats** (an event with 30 places, a stock of 5 drills): the holder row carries a
`capacity` and a `taken` counter (abstract model `SeatHolder`, whose check constraints keep
`0 <= taken <= capacity`). `take_seat` is one conditional UPDATE,
``UPDATE holder SET taken = taken + 1 WHERE id = … AND taken + 1 <= capacity``: on PostgreSQL a
second writer waits for the row lock and then re-evaluates the WHERE on the committed row (READ
COMMITTED), on SQLite writers are serialised by the write lock; in both cases no UPDATE can see
a stale counter, and an update count of 0 means full (`CapacityReached`). The seat row itself
(registration, loan) is inserted by the caller in the same transaction, so the counter and the
rows never disagree; `release_seat` is the symmetric decrement.

**Exclusive time slots** (a meeting room, a 3D printer, a lent item: one thing at a time):
`hold_slot` inserts the slot and raises `SlotTaken` when it overlaps another slot of the same
resource. Slots are half-open `[start, end)` (`common.timeranges.TimeRange`), so 9:00–10:00 and
10:00–11:00 both fit.
- On PostgreSQL an exclusion constraint (`no_overlap_constraint`: GiST index over
  ``resource WITH =, tstzrange(start, end, '[)') WITH &&``, which needs the `btree_gist`
  extension for the `=` on an integer: `BtreeGistExtension()` in the migration) refuses the
  overlapping row, including between two transactions in flight (the second waits for the
  first and fails if it commits). A query first would not be enough: under READ COMMITTED two
  transactions each see no overlap and both insert.
- SQLite has no exclusion constraint. There the check is a query inside the transaction, which
  is safe because SQLite writers are serialised: Maillage's SQLite transactions are
  ``BEGIN IMMEDIATE`` (settings, `transaction_mode`), so a transaction holds the write lock
  from its start and no other writer can insert between the check and the insert. (Without
  IMMEDIATE the outcome would still be correct, since SQLite is serialisable, but a second
  writer would fail with "database is locked" instead of waiting its turn.)

Both functions must run inside `transaction.atomic()`: they raise `RuntimeError` otherwise,
because a counter committed without its seat row, or a slot checked in one transaction and
inserted in another, breaks the guarantee.
"""

from collections.abc import Callable
from typing import TypeVar

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    OperationalError,
    connections,
    models,
    router,
    transaction,
)
from django.db.models import F

from .timeranges import TimeRange

# PostgreSQL's SQLSTATE for a row refused by an exclusion constraint.
EXCLUSION_VIOLATION = "23P01"


class CapacityReached(Exception):  # noqa: N818 - reads as a sentence: raise CapacityReached
    """Every seat of the holder is taken."""


class NoSeatTaken(Exception):  # noqa: N818 - reads as a sentence
    """A release of more seats than are taken."""


class SlotTaken(Exception):  # noqa: N818 - reads as a sentence: raise SlotTaken
    """The resource already holds something during part of the requested range."""


def _require_transaction(using: str) -> None:
    if not connections[using].in_atomic_block:
        raise RuntimeError("call this inside transaction.atomic(), with the row it stands for")


# --- counted seats ------------------------------------------------------------------------------


class SeatHolder(models.Model):
    """A row that hands out up to `capacity` seats; `taken` counts those handed out.

    Change `taken` only through `take_seat` and `release_seat`; the check constraints make the
    database refuse anything else that would break `0 <= taken <= capacity` (lowering the
    capacity under the seats taken included).
    """

    capacity = models.PositiveIntegerField()
    taken = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(taken__gte=0) & models.Q(taken__lte=F("capacity")),
                name="%(app_label)s_%(class)s_taken_within_capacity",
            )
        ]


def take_seat(holders: models.QuerySet, *, pk, count: int = 1) -> None:
    """Take `count` seats of the holder `pk` (a `SeatHolder` among `holders`), or raise
    `CapacityReached` when fewer than `count` are left.

    One conditional UPDATE, inside the caller's transaction, which also inserts the seat row.
    `holders` may be scoped (what the caller may book); a holder outside it raises
    `holders.model.DoesNotExist`.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    _require_transaction(holders.db)
    updated = holders.filter(pk=pk, taken__lte=F("capacity") - count).update(
        taken=F("taken") + count
    )
    if not updated:
        if not holders.filter(pk=pk).exists():
            raise holders.model.DoesNotExist(f"{holders.model._meta.model_name} {pk}")
        raise CapacityReached(f"{holders.model._meta.model_name} {pk} has no {count} seat(s) left")


def release_seat(holders: models.QuerySet, *, pk, count: int = 1) -> None:
    """Give back `count` seats of the holder `pk`, in the transaction that deletes (or cancels)
    the seat rows; `NoSeatTaken` when fewer than `count` are taken.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    _require_transaction(holders.db)
    updated = holders.filter(pk=pk, taken__gte=count).update(taken=F("taken") - count)
    if not updated:
        if not holders.filter(pk=pk).exists():
            raise holders.model.DoesNotExist(f"{holders.model._meta.model_name} {pk}")
        raise NoSeatTaken(f"{holders.model._meta.model_name} {pk} has fewer than {count} taken")


# --- exclusive time slots -----------------------------------------------------------------------


class TsTzRange(models.Func):
    """PostgreSQL's ``tstzrange(start, end, '[)')``, from two datetime columns."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists on PostgreSQL only.

    On SQLite, which has none, it creates nothing (Django leaves out a constraint whose SQL is
    None, also when SQLite rebuilds a table) and validates nothing: `hold_slot` checks there.
    One model definition and one migration thus serve both databases.
    """

    def constraint_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if connections[using].vendor != "postgresql":
            return
        super().validate(model, instance, exclude=exclude, using=using)


def no_overlap_constraint(
    *, name: str, resource: str, start: str = "start", end: str = "end"
) -> PostgresExclusionConstraint:
    """The constraint of a slot model: no two rows of one `resource` whose `[start, end)`
    ranges overlap (put it in the model's Meta.constraints; the migration needs
    `BtreeGistExtension()` before it).
    """
    return PostgresExclusionConstraint(
        name=name,
        expressions=[
            (TsTzRange(start, end, RangeBoundary()), RangeOperators.OVERLAPS),
            (resource, RangeOperators.EQUAL),
        ],
    )


def hold_slot(
    model: type[models.Model],
    *,
    resource: str,
    resource_id,
    during: TimeRange,
    start: str = "start",
    end: str = "end",
    **fields,
) -> models.Model:
    """Insert a slot of `model` holding `resource_id` during `during`, or raise `SlotTaken` if
    another slot of that resource overlaps it.

    `resource` is the name of the slot's foreign key to its resource, `start` and `end` those
    of its datetime fields; `fields` are the slot's other fields. The model must carry
    `no_overlap_constraint` (on PostgreSQL the constraint decides; on SQLite a query inside the
    IMMEDIATE transaction does, see the module docstring). Runs inside the caller's
    transaction; on PostgreSQL the insert is in a savepoint so that a refusal leaves that
    transaction usable. Run that transaction with `run_retrying`: on PostgreSQL, overlapping
    inserts checked at the same instant wait for each other's transactions, and when they wait
    in a circle PostgreSQL aborts one of them (a deadlock, seen with 20 parallel holds).
    """
    using = router.db_for_write(model)
    _require_transaction(using)
    slots = model._default_manager.using(using)
    values = {f"{resource}_id": resource_id, start: during.start, end: during.end, **fields}
    refusal = f"{resource} {resource_id} is taken during part of {during}"
    if connections[using].vendor != "postgresql":
        overlapping = slots.filter(
            **{
                f"{resource}_id": resource_id,
                f"{start}__lt": during.end,
                f"{end}__gt": during.start,
            }
        )
        if overlapping.exists():
            raise SlotTaken(refusal)
        return slots.create(**values)
    try:
        with transaction.atomic(using=using):
            return slots.create(**values)
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == EXCLUSION_VIOLATION:
            raise SlotTaken(refusal) from exc
        raise


# PostgreSQL's SQLSTATEs of a transaction it aborted to let another one through.
DEADLOCK_DETECTED = "40P01"
SERIALIZATION_FAILURE = "40001"
RETRY_ATTEMPTS = 4
T = TypeVar("T")


def is_retryable(exc: BaseException) -> bool:
    """Whether `exc` is PostgreSQL aborting the transaction for a deadlock or a serialization
    failure: the same transaction run again from its start may pass."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) in (DEADLOCK_DETECTED, SERIALIZATION_FAILURE)


def run_retrying(function: Callable[[], T], *, using: str = DEFAULT_DB_ALIAS) -> T:
    """Run `function` (which opens its own `transaction.atomic()`) and, when PostgreSQL aborts
    it for a deadlock or a serialization failure, run it again, up to `RETRY_ATTEMPTS` times.

    Two transactions that each wait for a row the other holds (two staff moving two bookings
    into each other's time at the same instant: each waits for the slot the other is freeing)
    cannot both go on; PostgreSQL aborts one. Run again, it sees the other's committed result
    and answers as it would have one after the other (moved, or a 409 naming the taken range).
    Inside an outer transaction nothing is retried: the outer one is aborted too, and only its
    owner can start it again.
    """
    if connections[using].in_atomic_block:
        return function()
    for attempt in range(1, RETRY_ATTEMPTS + 1):
        try:
            return function()
        except OperationalError as exc:
            if attempt == RETRY_ATTEMPTS or not is_retryable(exc):
                raise
    raise AssertionError("unreachable")
