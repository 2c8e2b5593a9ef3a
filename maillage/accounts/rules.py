"""Permission predicates about accounts. Each states one policy in its docstring."""

from maillage.common.actors import is_system


def is_signed_in(user) -> bool:
    """An active account, signed in: every right beyond reading public data starts here."""
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_instance_admin(user) -> bool:
    """Instance administrators (and superusers) hold every right on the instance: every place,
    every network, roles, imports. The SYSTEM actor of management commands holds them too.
    """
    if is_system(user):
        return True
    return is_signed_in(user) and bool(user.is_instance_admin or user.is_superuser)
