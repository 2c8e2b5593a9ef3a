"""Plans and memberships, created through the members services like every other writer."""

from maillage.common.actors import SYSTEM
from maillage.members import services
from maillage.members.models import Membership, PlanPeriod


def make_plan(place, **overrides):
    values = {"name": "Mensuel", "price_cents": 12000, "period": PlanPeriod.MONTH}
    values.update(overrides)
    return services.create_plan(actor=SYSTEM, place=place, **values)


def make_membership(place, user, *, status=Membership.Status.ACTIVE, plan=None):
    """A membership of `user` at `place` in `status`, reached along its lifecycle."""
    if status in (Membership.Status.INVITED, Membership.Status.DECLINED):
        membership = services.invite_member(actor=SYSTEM, place=place, user=user, plan=plan)
        if status == Membership.Status.DECLINED:
            services.decline_invitation(actor=SYSTEM, membership=membership)
        return membership
    membership = services.request_membership(actor=user, place=place, plan=plan)
    if status == Membership.Status.REQUESTED:
        return membership
    if status == Membership.Status.REFUSED:
        return services.refuse_request(actor=SYSTEM, membership=membership)
    services.accept_request(actor=SYSTEM, membership=membership)
    if status == Membership.Status.SUSPENDED:
        services.suspend_membership(actor=SYSTEM, membership=membership)
    elif status == Membership.Status.ENDED:
        services.end_membership(actor=SYSTEM, membership=membership)
    return membership
