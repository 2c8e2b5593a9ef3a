"""Permission predicates about imports (the policy is the places app's: an import writes
places)."""

from maillage.places.rules import can_import_places

__all__ = ["can_import_places"]
