"""Permission predicates about accounts. Each states one policy in its docstring."""


def is_network_admin(user) -> bool:
    """Network admins (and superusers) may edit every place and run imports."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_network_admin or user.is_superuser)
    )
