"""Permission predicates about coverage analyses and plans. Each states one policy."""

from maillage.accounts.rules import is_instance_admin, is_signed_in


def can_create_plan(user) -> bool:
    """Signed-in people may ask for plans: a plan can keep a worker busy for minutes, so
    anonymous requests (and the abuse they would allow) are refused. Coverage figures, cheap
    and cached, need no account.
    """
    return is_signed_in(user)


def can_view_plan(user, job) -> bool:
    """Everyone may view a plan and download its sites: it is computed from public data (the
    directory and INSEE's populations), and its link is meant to be shared with elected
    officials and funders who have no account.
    """
    return True


def sees_every_plan(user) -> bool:
    """Instance administrators list every plan, to follow what is asked and the load of the workers;
    other people list their own.
    """
    return is_instance_admin(user)


def can_retry_plan(user, job) -> bool:
    """A plan's author and instance administrators may run a failed or stalled plan again;
    others may only look at it.
    """
    return is_instance_admin(user) or (
        can_create_plan(user) and job.created_by_id is not None and job.created_by_id == user.pk
    )
