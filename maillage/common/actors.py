"""Who performs a write: a signed-in person, or the `SYSTEM` itself.

Every service that changes data takes `actor` as a keyword-only argument and calls
`check_actor` first. The `SYSTEM` actor stands for the instance acting on its own, and only
management commands (run by someone with shell access) pass it. `None` is refused with a
TypeError: a missing actor used to mean "the system" and skip every permission check, so a
forgotten argument or a deleted account (a job's `created_by` set to NULL) silently ran with
every right.
"""

from typing import Final


class SystemActor:
    """The instance itself (management commands). Passes every permission check and is
    recorded as `actor_ref="system"` in the audit log.
    """

    is_authenticated: Final = False
    is_active: Final = True
    pk = None

    def __repr__(self) -> str:
        return "SYSTEM"

    def __bool__(self) -> bool:
        return True


SYSTEM: Final = SystemActor()


def is_system(actor) -> bool:
    return actor is SYSTEM


def check_actor(actor) -> None:
    """Refuse a missing actor: say SYSTEM when the instance acts, never None."""
    if actor is None:
        raise TypeError("actor is required: a user, or SYSTEM for management commands")
