"""Who may do what with federation: only instance administrators (and the SYSTEM actor of the
commands) register peers, harvest them, decide on duplicates, take harvested places over and
subscribe webhooks. Reading the instance's identity and its changes feed is public."""

from maillage.accounts.rules import is_instance_admin


def can_manage_federation(user) -> bool:
    """Peers, harvests, duplicates, take-overs and webhooks are the instance's decisions."""
    return is_instance_admin(user)
