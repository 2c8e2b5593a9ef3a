"""import_places writes in short transactions, one per batch, so other writers get their turn.

Each batch is planned outside any transaction and checked again inside its own: what other
writers did in between (that is the point of short transactions) must not make a batch fail.
An import stopped between two batches keeps the batches before; running it again completes it.
"""

import gc

import pytest

from maillage.common.actors import SYSTEM
from maillage.opendata import services
from maillage.opendata.services import import_places
from maillage.places import bulk
from maillage.places.models import Place
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

HEADER = "source_id,name,kinds,insee_code,description"


def rows(count: int, *, description: str = "") -> list[str]:
    return [f"L{number},Lieu {number},fablab,64445,{description}" for number in range(count)]


@pytest.fixture
def batches_of_ten(monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 10)


def test_an_import_stopped_between_batches_keeps_the_earlier_ones_and_a_rerun_completes_it(
    batches_of_ten, monkeypatch, csv_stream
):
    """The third batch fails: the first two stay written, and the same import run again creates
    only the rest."""
    original = bulk.BulkUpserter._create
    calls = []

    def fail_on_third_batch(self, plan):
        calls.append(len(plan.creations))
        if len(calls) == 3:
            raise ConnectionError("the database went away")
        return original(self, plan)

    monkeypatch.setattr(bulk.BulkUpserter, "_create", fail_on_third_batch)
    lines = (HEADER, *rows(25))
    with pytest.raises(ConnectionError):
        import_places(actor=SYSTEM, source="test", stream=csv_stream(*lines))
    assert calls == [10, 10, 5]
    written = set(Place.objects.filter(source="test").values_list("source_id", flat=True))
    assert written == {f"L{number}" for number in range(20)}

    monkeypatch.setattr(bulk.BulkUpserter, "_create", original)
    report = import_places(actor=SYSTEM, source="test", stream=csv_stream(*lines))
    assert (report.created, report.updated, report.unchanged) == (5, 0, 20)
    assert Place.objects.filter(source="test").count() == 25
    again = import_places(actor=SYSTEM, source="test", stream=csv_stream(*lines))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 25)


def test_each_batch_is_planned_again_when_another_writer_went_in_before_its_transaction(
    batches_of_ten, monkeypatch, csv_stream
):
    """Between the plan of the first batch and its transaction, another writer deletes a place
    the batch updates, creates one the batch would create, and takes the slug of another: the
    batch is written against what the database holds once it has the lock."""
    import_places(actor=SYSTEM, source="test", stream=csv_stream(HEADER, *rows(2)))
    lines = (HEADER, *rows(4, description="Révisé"))
    original = bulk.BulkUpserter._known
    interfered = []

    def another_writer(self, batch, *, lock=False):
        if lock and not interfered:
            interfered.append(True)
            Place.objects.get(source="test", source_id="L1").delete()
            make_place(name="Lieu 2", source="test", source_id="L2")
            make_place(name="Lieu 3", insee_code="64445")  # takes the slug lieu-3-pau
        return original(self, batch, lock=lock)

    monkeypatch.setattr(bulk.BulkUpserter, "_known", another_writer)
    report = import_places(actor=SYSTEM, source="test", stream=csv_stream(*lines))
    assert interfered == [True]
    assert report.errors == []
    # L0 updated; L1 deleted meanwhile, created again; L2 created meanwhile, so updated; L3 new.
    assert (report.created, report.updated, report.unchanged) == (2, 2, 0)
    imported = Place.objects.filter(source="test").order_by("source_id")
    assert [place.source_id for place in imported] == ["L0", "L1", "L2", "L3"]
    assert {place.description for place in imported} == {"Révisé"}
    assert Place.objects.get(source="test", source_id="L3").slug == "lieu-3-pau-2"
    assert Place.objects.get(source="").slug == "lieu-3-pau"


def test_a_batch_that_nobody_changed_meanwhile_is_not_planned_twice(
    batches_of_ten, monkeypatch, csv_stream
):
    plans = []
    original = bulk.BulkUpserter._plan

    def count_plans(self, batch, known):
        plans.append(len(batch))
        return original(self, batch, known)

    monkeypatch.setattr(bulk.BulkUpserter, "_plan", count_plans)
    report = import_places(actor=SYSTEM, source="test", stream=csv_stream(HEADER, *rows(25)))
    assert report.created == 25
    assert plans == [10, 10, 5]


def test_an_import_runs_with_the_heap_it_found_frozen_and_leaves_it_unfrozen(
    monkeypatch, csv_stream
):
    """The commune index and the rest of the process are left out of garbage collection while
    the rows are validated and written (`common.heap`), and given back to it afterwards."""
    gc.unfreeze()
    frozen_while_writing = []
    original = bulk.BulkUpserter._create

    def note_freeze(self, plan):
        frozen_while_writing.append(gc.get_freeze_count())
        return original(self, plan)

    monkeypatch.setattr(bulk.BulkUpserter, "_create", note_freeze)
    report = import_places(actor=SYSTEM, source="test", stream=csv_stream(HEADER, *rows(3)))
    assert report.created == 3
    assert frozen_while_writing and frozen_while_writing[0] > 0
    assert gc.get_freeze_count() == 0
