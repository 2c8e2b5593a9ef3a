"""Files in storage that no row refers to any more.

A file is written before the row that names it (so a row never points to nothing); when the
transaction that would have kept the row rolls back after the file was written — an outer
transaction of the caller's, a crash — the file stays behind. Each kind of upload sweeps its
own directory with `delete_orphans`, sparing young files: they may belong to a row being saved
right now.
"""

from collections.abc import Collection
from datetime import timedelta

from django.core.files.storage import Storage
from django.utils import timezone

ORPHAN_GRACE = timedelta(hours=1)


def delete_orphans(
    storage: Storage, directory: str, referenced: Collection[str], *, grace=ORPHAN_GRACE
) -> int:
    """Delete the files directly under `directory` whose name (`directory/name`) is not in
    `referenced` and that are older than `grace`; the number deleted."""
    try:
        _, names = storage.listdir(directory)
    except FileNotFoundError:
        return 0
    cutoff = timezone.now() - grace
    deleted = 0
    for name in names:
        path = f"{directory}/{name}"
        if path not in referenced and storage.get_modified_time(path) < cutoff:
            storage.delete(path)
            deleted += 1
    return deleted
