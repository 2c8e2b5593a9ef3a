"""Demo sharing at the demo place nearest Pau (development only): a tool library, offers and
needs, a time bank.

`load_demo_sharing()` is deterministic and idempotent: people are found or created by username
(with the demo password), memberships only when missing, items found by name, posts by title;
a second run writes nothing. It makes, through the sharing services like every writer:

- the place's settings: self-service borrowing, a time bank allowing 5 hours below zero;
- thirteen items, at least one of each category of the shared taxonomy, among them
  « Perceuse à percussion » (available, for the demo member to borrow), with a past loan and a
  repair in its history;
- « Scie sauteuse » on loan to `demo-lucas`, with `demo-ines` waiting for it;
- a few offers and needs, one fulfilled with 90 minutes moved in the time bank.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from maillage.accounts.models import User
from maillage.common.actors import SYSTEM
from maillage.members import services as members
from maillage.members.selectors import open_membership
from maillage.places.models import Place
from maillage.sharing import services
from maillage.sharing.models import Item, ItemCategory, ItemCondition, Loan, Post

from .demo_members import demo_places, demo_user

DEMO_MEMBER = "demo-membre"
DRILL = "Perceuse à percussion"
SAW = "Scie sauteuse"
PEOPLE = ("demo-camille", "demo-lucas", "demo-ines", "demo-thomas", "demo-lea")
# name, category, deposit in euros, replacement value in euros, loan days, description
ITEMS = (
    (DRILL, ItemCategory.TOOLS, 50, 120, 7, "Perceuse 800 W avec coffret de forets béton et bois."),
    (SAW, ItemCategory.TOOLS, 40, 90, 7, "Lames bois et métal fournies."),
    ("Ponceuse excentrique", ItemCategory.TOOLS, 30, 80, 7, "Avec abrasifs grain 80 à 240."),
    ("Escabeau 5 marches", ItemCategory.TOOLS, 0, 60, 7, ""),
    ("Taille-haie électrique", ItemCategory.GARDEN, 40, 110, 7, "Rallonge de 25 m à demander."),
    ("Grelinette", ItemCategory.GARDEN, 0, 70, 14, "Pour aérer la terre sans la retourner."),
    ("Appareil à raclette 8 personnes", ItemCategory.KITCHEN, 20, 50, 3, ""),
    ("Déshydrateur", ItemCategory.KITCHEN, 20, 60, 14, ""),
    ("Vidéoprojecteur", ItemCategory.MULTIMEDIA, 100, 450, 3, "Câble HDMI et écran pliant."),
    ("Carcassonne", ItemCategory.GAMES, 0, 35, 21, "Avec l'extension Auberges et cathédrales."),
    ("Raquettes à neige (2 paires)", ItemCategory.SPORT, 30, 120, 7, "Pointures 36 à 46."),
    ("Tente de réception 3 × 3 m", ItemCategory.EVENTS, 80, 300, 3, "Montage à deux personnes."),
    ("Machine à coudre", ItemCategory.OTHER, 50, 200, 14, "Fil et aiguilles de rechange."),
)
POSTS = (
    # author, kind, category, title, body
    (
        "demo-camille",
        "offer",
        "skill",
        "Installer Linux sur un vieil ordinateur",
        "Je peux vous aider à redonner vie à un portable trop lent, le jeudi soir au tiers-lieu.",
    ),
    (
        "demo-lucas",
        "request",
        "lift",
        "Covoiturage vers Oloron le samedi",
        "Je cherche une place le samedi matin, départ de Pau vers 9 h ; je partage les frais.",
    ),
    (
        "demo-ines",
        "offer",
        "object",
        "Donne des pots de confiture vides",
        "Une trentaine de pots avec couvercles, à venir chercher au tiers-lieu.",
    ),
    (
        "demo-lea",
        "request",
        "service",
        "Aide pour monter une étagère",
        "Une étagère en kit à monter, il faut être deux. Une heure et demie environ.",
    ),
)
FULFILLED = "Aide pour monter une étagère"
FULFILLED_BY = "demo-thomas"
FULFILLED_MINUTES = 90


@dataclass
class DemoSharingReport:
    items_created: int
    loans_created: int
    posts_created: int


def _member(place: Place, user: User) -> None:
    if open_membership(user, place) is None:
        membership = members.request_membership(actor=user, place=place)
        members.accept_request(actor=SYSTEM, membership=membership)


@transaction.atomic
def load_demo_sharing() -> DemoSharingReport | None:
    """The demo sharing at the demo place nearest Pau; None when there is no demo place."""
    places = demo_places()
    if not places:
        return None
    place = places[0]
    people = {username: demo_user(username) for username in (DEMO_MEMBER, *PEOPLE)}
    for user in people.values():
        _member(place, user)
    report = DemoSharingReport(0, 0, 0)
    if not Item.objects.filter(place=place).exists():
        services.update_sharing_settings(
            actor=SYSTEM,
            place=place,
            self_service=True,
            time_bank_enabled=True,
            overdraft_minutes=300,
        )
    items = {}
    for name, category, deposit, value, days, description in ITEMS:
        item = Item.objects.filter(place=place, name=name).first()
        if item is None:
            item = services.create_item(
                actor=SYSTEM,
                place=place,
                name=name,
                category=category,
                description=description,
                deposit_cents=deposit * 100,
                replacement_value_cents=value * 100,
                loan_days=days,
            )
            report.items_created += 1
        items[name] = item
    drill, saw = items[DRILL], items[SAW]
    if not Loan.objects.filter(item=drill).exists():
        past = services.check_out(actor=SYSTEM, item=drill, borrower=people["demo-camille"])
        services.return_item(
            actor=SYSTEM,
            loan=past,
            condition=ItemCondition.WORN,
            notes="Mandrin qui accroche un peu.",
        )
        services.record_repair(
            actor=SYSTEM,
            item=drill,
            note="Mandrin nettoyé et graissé.",
            condition=ItemCondition.GOOD,
        )
        report.loans_created += 1
    if not Loan.objects.filter(item=saw).exists():
        services.check_out(actor=SYSTEM, item=saw, borrower=people["demo-lucas"])
        services.reserve_item(actor=SYSTEM, item=saw, user=people["demo-ines"])
        report.loans_created += 1
    expires = timezone.localdate() + timedelta(days=60)
    for author, kind, category, title, body in POSTS:
        if Post.objects.filter(title=title, place=place).exists():
            continue
        post = services.create_post(
            actor=people[author],
            kind=kind,
            category=category,
            title=title,
            body=body,
            expires_on=expires,
            place=place,
        )
        report.posts_created += 1
        if title == FULFILLED:
            answer = services.answer_post(
                actor=people[FULFILLED_BY],
                post=post,
                body="Je passe samedi à 14 h avec ma visseuse.",
            )
            services.reply(
                actor=people[author], conversation=answer.conversation, body="Merci, à samedi !"
            )
            services.fulfil_post(
                actor=people[author],
                post=post,
                conversation=answer.conversation,
                minutes=FULFILLED_MINUTES,
            )
    return report
