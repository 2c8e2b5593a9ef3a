"""Permission predicates about imports."""

from maillage.accounts.rules import is_network_admin


def can_import_places(user) -> bool:
    """Only network admins import files: an import may rewrite every place of a source."""
    return is_network_admin(user)
