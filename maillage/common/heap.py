"""Python's cyclic garbage collector during long bulk work (imports).

A full collection walks every object the process holds: Django, its apps and, for an import,
the 35,000 communes of the commune index. A bulk import allocates so much (rows read, validated,
spooled and read back) that full collections ran dozens of times, each walking that heap again
for nothing: those objects are never garbage. Frozen, they are left out of every collection
(`gc.freeze`, Python ≥ 3.7); what the import itself allocates is still collected.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Leave the objects alive now out of garbage collection until the block ends.

    If they already are (gunicorn's `when_ready` freezes the loaded application before forking
    its workers), nothing changes: unfreezing here would undo that. Cyclic garbage that exists
    at entry waits until the block ends, when everything frozen here goes back to the collector.
    """
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
