"""The changes that can move people from one of a network's places to another, and who is told
of them inside their transaction.

A network's time bank counts each transfer at one of the network's places, that of a
membership of the person credited (`observatory.compute.transfers_with_place`). Deleting a
place, erasing an account or putting places in or out of a network can move those transfers,
and where they counted before is gone once the change is made: the audit log, read later,
cannot tell it. So these changes (`services.delete_place`, `services.save_network`,
`members.personal_data.erase_memberships`) run inside `moving`, and the apps that keep figures
about them register a watcher in their `AppConfig.ready()` (the pattern of
`members.dashboard`); the writers need not know them:

    from maillage.places.moves import register_watcher

    register_watcher("observatory", watcher)
    # watcher(users: frozenset[int], places: frozenset[int]) -> after: () -> None

`users` are the people whose memberships change, `places` the places whose members may move
(their memberships deleted, or their place joining or leaving a network). A watcher is called
before the change and reads what it needs then; the function it returns is called after the
change, in the same transaction. Registering a name again replaces the watcher (the test
settings and autoreload import twice).
"""

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager

After = Callable[[], None]
Watcher = Callable[[frozenset[int], frozenset[int]], After]

_WATCHERS: dict[str, Watcher] = {}


def register_watcher(name: str, watcher: Watcher) -> None:
    """Add (or replace) the watcher `name`; see the module's docstring."""
    _WATCHERS[name] = watcher


@contextmanager
def moving(*, users: Collection[int] = (), places: Collection[int] = ()) -> Iterator[None]:
    """Wrap a change that can move `users`, or the members of `places`, between a network's
    places: the watchers read before it and act after it (inside the caller's transaction)."""
    if not users and not places:
        yield
        return
    afters = [watcher(frozenset(users), frozenset(places)) for watcher in _WATCHERS.values()]
    yield
    for after in afters:
        after()
