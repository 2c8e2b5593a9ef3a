"""Permission predicates about places."""

from maillage.accounts.rules import is_network_admin


def can_create_place(user) -> bool:
    """Network admins create places; managers edit the places they were given."""
    return is_network_admin(user)


def can_edit_place(user, place) -> bool:
    """Network admins edit every place; a manager edits only the places they manage."""
    if is_network_admin(user):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return place.managers.filter(pk=user.pk).exists()


def can_delete_place(user, place) -> bool:
    """Deleting follows editing: whoever may edit a place may remove it."""
    return can_edit_place(user, place)
