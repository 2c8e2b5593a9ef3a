"""The collector freeze of long bulk work (`common.heap.long_lived_frozen`)."""

import gc

import pytest

from maillage.common.heap import long_lived_frozen


@pytest.fixture
def unfrozen():
    """Start and end each test with nothing frozen, whatever ran before."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_objects_alive_at_entry_are_frozen_until_the_block_ends(unfrozen):
    long_lived = [object() for _ in range(100)]
    with long_lived_frozen():
        assert gc.get_freeze_count() >= len(long_lived)
    assert gc.get_freeze_count() == 0


def test_the_block_unfreezes_when_it_raises(unfrozen):
    with pytest.raises(ValueError), long_lived_frozen():
        raise ValueError("stop")
    assert gc.get_freeze_count() == 0


def test_a_heap_frozen_before_stays_frozen_after(unfrozen):
    """As gunicorn's `when_ready` leaves it: the block must not undo that freeze."""
    gc.freeze()
    frozen = gc.get_freeze_count()
    with long_lived_frozen():
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == frozen


def test_cyclic_garbage_made_inside_the_block_is_still_collected(unfrozen):
    with long_lived_frozen():
        cycle: list = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
