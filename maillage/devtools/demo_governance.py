"""Demo governance for the anchor demo place, the demo place nearest Pau (development only).

`load_demo_governance()` is deterministic and idempotent: people are found or created by
username (`demo_members.py` may have created them first, with the same password), memberships
only when missing, bodies and votes found by name and title. It makes the general assembly of
the place's members with

- a majority-judgement vote, open, where the other demo members have voted and `demo-membre`
  has not (so they can vote, then see the merit profiles once a manager closes it);
- a consent decision, closed and adopted, with an objection and its reason;
- a desk allocation by preference, closed, saying who gets which desk;
- a participatory budget, closed, greedy and equal shares side by side.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import User
from maillage.common.actors import SYSTEM
from maillage.governance import services
from maillage.governance.models import BodyKind, DecisionBody, Vote
from maillage.members import services as members
from maillage.members.selectors import open_membership
from maillage.places.models import Place

from .demo_members import demo_places

DEMO_PASSWORD = "demo-maillage-2026"  # noqa: S105 - a published development password
DEMO_MEMBER = "demo-membre"
VOTERS = ("demo-camille", "demo-lucas", "demo-ines", "demo-thomas", "demo-lea")
BODY_NAME = "Assemblée générale"
MJ_TITLE = "Nom du nouvel espace atelier"
MJ_OPTIONS = ("La Fabrique", "L'Établi", "Le Hangar", "Atelier 64")
# One row of grades per voter of VOTERS (0 À rejeter … 6 Excellent).
MJ_GRADES = ((6, 4, 2, 3), (5, 5, 1, 3), (4, 6, 2, 2), (3, 4, 0, 5), (5, 3, 3, 4))
CONSENT_TITLE = "Ouvrir le tiers-lieu le samedi matin"
CONSENT_POSITIONS = (
    ("agree", ""),
    ("agree", ""),
    ("object", "Il faudra une personne de l'équipe chaque samedi : prévoir un roulement."),
    ("agree", ""),
    ("abstain", ""),
)
DESKS_TITLE = "Attribution des postes fixes de l'open space"
DESKS = (("Poste fenêtre", 1), ("Poste calme", 2), ("Poste près de l'atelier", 2))
DESK_RANKS = ((1, 2, 3), (1, 3, 2), (2, 1, 3), (1, 2, 0), (3, 1, 2))
BUDGET_TITLE = "Budget participatif 2027"
BUDGET = 10_000
PROJECTS = (
    ("Imprimante 3D grand format", 6_000),
    ("Jardin partagé", 3_000),
    ("Cuisine équipée", 4_000),
    ("Bibliothèque d'outils", 2_000),
)
BUDGET_APPROVALS = ((0, 3), (0, 3), (1, 2), (1, 2, 3), (0,))


@dataclass
class DemoGovernanceReport:
    created: int
    unchanged: int


def _person(username: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@example.org"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def _member(place: Place, user: User) -> None:
    if open_membership(user, place) is None:
        membership = members.request_membership(actor=user, place=place)
        members.accept_request(actor=SYSTEM, membership=membership)


def _vote(body: DecisionBody, title: str, **kw) -> tuple[Vote, bool]:
    existing = Vote.objects.filter(body=body, title=title).first()
    if existing is not None:
        return existing, False
    vote = services.create_vote(
        actor=SYSTEM, body=body, title=title, closes_at=timezone.now() + timedelta(days=14), **kw
    )
    services.open_vote(actor=SYSTEM, vote=vote)
    return vote, True


@transaction.atomic
def load_demo_governance() -> DemoGovernanceReport | None:
    """The demo governance of the anchor place (the demo place nearest Pau, of which
    `demo-membre` is a member: `demo_members.demo_places`); None when the demo places are not
    loaded."""
    places = demo_places()
    if not places:
        return None
    place = places[0]
    member = _person(DEMO_MEMBER)
    voters = [_person(username) for username in VOTERS]
    for user in [member, *voters]:
        _member(place, user)
    body = DecisionBody.objects.filter(place=place, name=BODY_NAME).first()
    if body is None:
        body = services.create_body(
            actor=SYSTEM, name=BODY_NAME, kind=BodyKind.PLACE_MEMBERS, place=place
        )
    created = 0

    vote, new = _vote(
        body,
        MJ_TITLE,
        method="majority_judgement",
        options=list(MJ_OPTIONS),
        description="Choisissez une mention pour chaque nom proposé.",
    )
    if new:
        for user, grades in zip(voters, MJ_GRADES, strict=True):
            services.submit_ballot(actor=user, vote=vote, content={"grades": list(grades)})
        created += 1

    proposal = body.proposals.filter(title=CONSENT_TITLE).first()
    if proposal is None:
        proposal = services.create_proposal(
            actor=voters[0],
            body=body,
            title=CONSENT_TITLE,
            text="Ouvrir de **9 h à 13 h** le samedi, à l'essai pendant trois mois.",
        )
        services.open_discussion(actor=voters[0], proposal=proposal)
        services.add_comment(
            actor=voters[1], proposal=proposal, text="Bonne idée pour les personnes salariées."
        )
        vote, _new = _vote(body, CONSENT_TITLE, method="consent", options=[], proposal=proposal)
        for user, (position, reason) in zip(voters, CONSENT_POSITIONS, strict=True):
            services.submit_ballot(
                actor=user, vote=vote, content={"position": position, "reason": reason}
            )
        services.close_vote(actor=SYSTEM, vote=vote)
        created += 1

    vote, new = _vote(
        body,
        DESKS_TITLE,
        method="allocation",
        secret=False,
        options=[{"label": label, "capacity": capacity} for label, capacity in DESKS],
    )
    if new:
        for user, ranks in zip(voters, DESK_RANKS, strict=True):
            services.submit_ballot(actor=user, vote=vote, content={"ranks": list(ranks)})
        services.close_vote(actor=SYSTEM, vote=vote)
        created += 1

    vote, new = _vote(
        body,
        BUDGET_TITLE,
        method="budget",
        settings={"budget": BUDGET},
        results_public=True,
        options=[{"label": label, "cost": cost} for label, cost in PROJECTS],
    )
    if new:
        for user, approved in zip(voters, BUDGET_APPROVALS, strict=True):
            services.submit_ballot(actor=user, vote=vote, content={"approved": list(approved)})
        services.close_vote(actor=SYSTEM, vote=vote)
        created += 1
    return DemoGovernanceReport(created=created, unchanged=4 - created)
