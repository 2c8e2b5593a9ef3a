"""Sharing between the members of a place: a library of things, offers and needs, a time bank.

**Library of things** (objethèque): a place lends `Item`s (one category of the shared taxonomy
`ItemCategory`, so that networks can compare). A `Loan` is one lending of one item to one person;
the database lends an item once at a time (`loan_one_open_per_item`, a partial unique index on
the open states). A `Reservation` queues a person for an item on loan; when the item comes back
the first one waiting is told and the item is held for them (`HELD`, at most one per item:
`reservation_one_held_per_item`). `ItemEvent` is the item's history (loans, returns, repairs,
changes of condition), written by the services.

**Offers and needs** (entraide): a member publishes a `Post` (an offer or a request) for a place
or a territory; others answer through a `Conversation` whose `Message`s are relayed by email
without disclosing any address until the author answers.

**Time bank**: when a place runs one, a fulfilled exchange moves hours between two
`TimeAccount`s by a `TimeTransfer`, one row with a debit account and a credit account (the
database checks `minutes > 0` and debit ≠ credit). Balances are derived (credits − debits), so
the sum of every balance is zero by construction; the place's floor (`overdraft_minutes`) is
checked with the debited account's row locked.

A **network** may run one time bank too (`NetworkTimeBank`, chosen by its coordinators), shared
by the active members of all its places. A bank is a place or a network: every account and
every transfer names exactly one of them (`time_account_one_bank`, `time_transfer_one_bank`),
and both accounts of a transfer belong to the transfer's bank (`time_transfer_same_bank`, see
migration 0002), so hours never leak from one bank into another and each bank sums to zero.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from maillage.common.models import TimeStampedModel
from maillage.members.models import Plan
from maillage.places.models import Network, Place
from maillage.territories.models import Territory


class SharingSettings(models.Model):
    """How one place runs its library of things and its time bank (defaults without a row)."""

    place = models.OneToOneField(
        Place, on_delete=models.CASCADE, related_name="sharing_settings", verbose_name=_("lieu")
    )
    catalogue_public = models.BooleanField(
        _("catalogue visible de tous"),
        default=True,
        help_text=_("Sinon, seuls les membres actifs et l'équipe du lieu voient les objets."),
    )
    self_service = models.BooleanField(
        _("emprunt en libre-service"),
        default=False,
        help_text=_("Les membres empruntent eux-mêmes un objet disponible, sans l'équipe."),
    )
    hold_hours = models.PositiveIntegerField(
        _("durée de mise de côté (heures)"),
        default=48,
        help_text=_(
            "Combien de temps un objet rendu reste réservé à la première personne en attente."
        ),
    )
    max_renewals = models.PositiveIntegerField(_("prolongations possibles par prêt"), default=2)
    time_bank_enabled = models.BooleanField(_("banque de temps"), default=False)
    # How far below zero a member's time balance may go; 0: never below zero.
    overdraft_minutes = models.PositiveIntegerField(
        _("découvert autorisé (minutes)"),
        default=0,
        help_text=_("0 : un solde ne descend jamais sous zéro."),
    )

    class Meta:
        verbose_name = _("réglages du partage")
        verbose_name_plural = _("réglages du partage")

    def __str__(self) -> str:
        return str(self.place)


class LoanLimit(models.Model):
    """How many items a member holding `plan` may have on loan at once at the plan's place."""

    plan = models.OneToOneField(
        Plan, on_delete=models.CASCADE, related_name="loan_limit", verbose_name=_("formule")
    )
    max_items = models.PositiveIntegerField(_("objets empruntés à la fois"))

    class Meta:
        verbose_name = _("limite d'emprunts")
        verbose_name_plural = _("limites d'emprunts")

    def __str__(self) -> str:
        return f"{self.plan}: {self.max_items}"


class ItemCategory(models.TextChoices):
    """The shared taxonomy of lent things (docs/glossary.md), the same at every place."""

    TOOLS = "tools", _("outillage")
    GARDEN = "garden", _("jardin")
    KITCHEN = "kitchen", _("cuisine")
    MULTIMEDIA = "multimedia", _("multimédia")
    GAMES = "games", _("jeux")
    SPORT = "sport", _("sport et loisirs")
    EVENTS = "events", _("matériel d'événement")
    OTHER = "other", _("autre")


class ItemCondition(models.TextChoices):
    NEW = "new", _("neuf")
    GOOD = "good", _("bon état")
    FAIR = "fair", _("état correct")
    WORN = "worn", _("usé")
    BROKEN = "broken", _("hors d'usage")


class Item(TimeStampedModel):
    """A thing a place lends. `plans` empty: every active member may borrow it."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="items", verbose_name=_("lieu")
    )
    name = models.CharField(_("nom"), max_length=120)
    # The name folded (lower case, no accents) for the catalogue's search.
    search_name = models.CharField(max_length=120, editable=False, default="")
    category = models.CharField(_("catégorie"), max_length=12, choices=ItemCategory.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    condition = models.CharField(
        _("état"), max_length=8, choices=ItemCondition.choices, default=ItemCondition.GOOD
    )
    replacement_value_cents = models.PositiveIntegerField(
        _("valeur de remplacement (centimes)"), default=0
    )
    deposit_cents = models.PositiveIntegerField(_("caution (centimes)"), default=0)
    loan_days = models.PositiveIntegerField(_("durée de prêt par défaut (jours)"), default=14)
    plans = models.ManyToManyField(
        Plan,
        blank=True,
        related_name="borrowable_items",
        verbose_name=_("formules autorisées à l'emprunter"),
    )
    # Withdrawn items stay for their history but are no longer lent nor listed.
    is_active = models.BooleanField(_("prêté"), default=True)

    class Meta:
        verbose_name = _("objet")
        verbose_name_plural = _("objets")
        ordering = ["place", "name", "pk"]
        indexes = [models.Index(fields=["place", "category"], name="item_place_category")]
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=ItemCategory.values), name="item_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(condition__in=ItemCondition.values), name="item_condition_valid"
            ),
            models.CheckConstraint(condition=Q(loan_days__gte=1), name="item_loan_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.place}"


class ItemPhoto(models.Model):
    """A photo of an item: checked as an image, resized, without its metadata (EXIF)."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="photos", verbose_name=_("objet")
    )
    image = models.FileField(_("photo"), upload_to="sharing/items/", max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt = models.CharField(_("description de la photo"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("photo d'objet")
        verbose_name_plural = _("photos d'objets")
        ordering = ["item", "pk"]

    def __str__(self) -> str:
        return self.image.name


class LoanState(models.TextChoices):
    OUT = "out", _("en prêt")
    LATE = "late", _("en retard")
    RETURNED = "returned", _("rendu")
    DAMAGED = "damaged", _("rendu abîmé")
    LOST = "lost", _("perdu")


# The states of a loan that holds its item.
OPEN_LOAN_STATES = (LoanState.OUT, LoanState.LATE)


class DepositOutcome(models.TextChoices):
    NONE = "none", _("pas de caution")
    HELD = "held", _("caution versée")
    RETURNED = "returned", _("caution rendue")
    KEPT = "kept", _("caution gardée")


class Loan(TimeStampedModel):
    """One lending of one item to one person.

    Lifecycle (`TRANSITIONS`, moved only by `sharing.services`): out → late (the overdue
    reminder) | returned | damaged | lost; late → out (renewed) | returned | damaged | lost;
    returned, damaged and lost are history. `borrower` is emptied when the person erases their
    account (the item's history keeps an anonymous loan).
    """

    State = LoanState
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.OUT: frozenset({State.LATE, State.RETURNED, State.DAMAGED, State.LOST}),
        State.LATE: frozenset({State.OUT, State.RETURNED, State.DAMAGED, State.LOST}),
        State.RETURNED: frozenset(),
        State.DAMAGED: frozenset(),
        State.LOST: frozenset(),
    }

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="loans", verbose_name=_("lieu")
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="loans", verbose_name=_("objet")
    )
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("emprunteur·se"),
    )
    state = models.CharField(_("état"), max_length=8, choices=LoanState.choices)
    checked_out_at = models.DateTimeField(_("emprunté le"))
    due_on = models.DateField(_("à rendre le"))
    renewals = models.PositiveIntegerField(_("prolongations"), default=0)
    returned_at = models.DateTimeField(_("rendu le"), null=True, blank=True)
    condition_out = models.CharField(
        _("état au départ"), max_length=8, choices=ItemCondition.choices
    )
    condition_back = models.CharField(
        _("état au retour"), max_length=8, choices=ItemCondition.choices, blank=True
    )
    return_notes = models.TextField(_("notes de retour"), max_length=1000, blank=True)
    deposit_cents = models.PositiveIntegerField(_("caution (centimes)"), default=0)
    deposit_outcome = models.CharField(
        _("caution"), max_length=8, choices=DepositOutcome.choices, default=DepositOutcome.NONE
    )
    overdue_reminded_at = models.DateTimeField(
        _("rappel de retard envoyé le"), null=True, blank=True
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("prêté par"),
    )

    class Meta:
        verbose_name = _("prêt")
        verbose_name_plural = _("prêts")
        ordering = ["-checked_out_at", "-pk"]
        indexes = [
            models.Index(fields=["borrower", "state"], name="loan_borrower_state"),
            models.Index(fields=["place", "state"], name="loan_place_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(state__in=OPEN_LOAN_STATES),
                name="loan_one_open_per_item",
            ),
            models.CheckConstraint(
                condition=Q(state__in=LoanState.values), name="loan_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(deposit_outcome__in=DepositOutcome.values),
                name="loan_deposit_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=OPEN_LOAN_STATES, returned_at__isnull=True)
                | (~Q(state__in=OPEN_LOAN_STATES) & Q(returned_at__isnull=False)),
                name="loan_returned_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} → {self.borrower or _('personne effacée')} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_LOAN_STATES


class ReservationState(models.TextChoices):
    WAITING = "waiting", _("en attente")
    HELD = "held", _("mis de côté")
    FULFILLED = "fulfilled", _("emprunté")
    CANCELLED = "cancelled", _("annulée")
    EXPIRED = "expired", _("expirée")


ACTIVE_RESERVATION_STATES = (ReservationState.WAITING, ReservationState.HELD)


class Reservation(TimeStampedModel):
    """A person waiting for an item on loan (the waiting list is ordered by `created_at`, pk).

    Lifecycle: waiting → held (the item came back, the person is told) | cancelled;
    held → fulfilled (borrowed) | cancelled | expired (not collected in time: the next one is
    held); fulfilled, cancelled and expired are history.
    """

    State = ReservationState
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.WAITING: frozenset({State.HELD, State.CANCELLED}),
        State.HELD: frozenset({State.FULFILLED, State.CANCELLED, State.EXPIRED}),
        State.FULFILLED: frozenset(),
        State.CANCELLED: frozenset(),
        State.EXPIRED: frozenset(),
    }

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, related_name="item_reservations", verbose_name=_("lieu")
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="reservations", verbose_name=_("objet")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="item_reservations",
        verbose_name=_("personne"),
    )
    state = models.CharField(_("état"), max_length=10, choices=ReservationState.choices)
    held_until = models.DateTimeField(_("mis de côté jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("réservation d'objet")
        verbose_name_plural = _("réservations d'objets")
        ordering = ["item", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user"],
                condition=Q(state__in=ACTIVE_RESERVATION_STATES),
                name="reservation_one_active_per_person",
            ),
            models.UniqueConstraint(
                fields=["item"],
                condition=Q(state=ReservationState.HELD),
                name="reservation_one_held_per_item",
            ),
            models.CheckConstraint(
                condition=Q(state__in=ReservationState.values), name="reservation_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=ReservationState.HELD) | Q(held_until__isnull=False),
                name="reservation_held_has_deadline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} ← {self.user} ({self.state})"


class ItemEventKind(models.TextChoices):
    CREATED = "created", _("ajouté au catalogue")
    UPDATED = "updated", _("fiche modifiée")
    CONDITION = "condition", _("changement d'état")
    REPAIR = "repair", _("réparation")
    LOAN = "loan", _("prêté")
    RENEWAL = "renewal", _("prêt prolongé")
    RETURN = "return", _("rendu")
    DAMAGED = "damaged", _("rendu abîmé")
    LOST = "lost", _("perdu")
    WITHDRAWN = "withdrawn", _("retiré du prêt")
    RESTORED = "restored", _("remis en prêt")


class ItemEvent(models.Model):
    """One line of an item's history, written by the service that made the change."""

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="events", verbose_name=_("objet")
    )
    kind = models.CharField(_("événement"), max_length=10, choices=ItemEventKind.choices)
    at = models.DateTimeField(_("le"))
    loan = models.ForeignKey(
        Loan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    condition_before = models.CharField(max_length=8, choices=ItemCondition.choices, blank=True)
    condition_after = models.CharField(max_length=8, choices=ItemCondition.choices, blank=True)
    note = models.TextField(_("note"), max_length=1000, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("historique d'objet")
        verbose_name_plural = _("historiques d'objets")
        ordering = ["item", "-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ItemEventKind.values), name="item_event_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item.name}: {self.kind} ({self.at})"


# --- offers and needs ---------------------------------------------------------------------------


class PostKind(models.TextChoices):
    OFFER = "offer", _("offre")
    REQUEST = "request", _("demande")


class PostCategory(models.TextChoices):
    SERVICE = "service", _("service")
    SKILL = "skill", _("savoir-faire")
    LIFT = "lift", _("covoiturage")
    OBJECT = "object", _("objet à donner")


class PostState(models.TextChoices):
    OPEN = "open", _("ouverte")
    FULFILLED = "fulfilled", _("réalisée")
    WITHDRAWN = "withdrawn", _("retirée")
    EXPIRED = "expired", _("expirée")
    HIDDEN = "hidden", _("masquée par la modération")


class Post(TimeStampedModel):
    """An offer or a request of a member, for a place or for a territory.

    Lifecycle: open → fulfilled (the author) | withdrawn (the author) | expired (the daily
    command, after `expires_on`) | hidden (moderation, with a reason); hidden → open (moderation
    restores it); fulfilled, withdrawn and expired are history.
    """

    State = PostState
    TRANSITIONS: dict[str, frozenset[str]] = {
        State.OPEN: frozenset({State.FULFILLED, State.WITHDRAWN, State.EXPIRED, State.HIDDEN}),
        State.HIDDEN: frozenset({State.OPEN}),
        State.FULFILLED: frozenset(),
        State.WITHDRAWN: frozenset(),
        State.EXPIRED: frozenset(),
    }

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sharing_posts",
        verbose_name=_("auteur·rice"),
    )
    kind = models.CharField(_("type"), max_length=8, choices=PostKind.choices)
    category = models.CharField(_("catégorie"), max_length=8, choices=PostCategory.choices)
    title = models.CharField(_("titre"), max_length=120)
    body = models.TextField(_("description"), max_length=2000)
    place = models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sharing_posts",
        verbose_name=_("lieu"),
    )
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territoire"),
    )
    expires_on = models.DateField(_("valable jusqu'au"))
    state = models.CharField(_("état"), max_length=10, choices=PostState.choices)
    hidden_reason = models.TextField(_("motif de la modération"), max_length=500, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fulfilled_with = models.ForeignKey(
        "Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réalisée avec"),
    )

    class Meta:
        verbose_name = _("offre ou demande")
        verbose_name_plural = _("offres et demandes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "expires_on"], name="post_state_expiry")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PostKind.values), name="post_kind_valid"),
            models.CheckConstraint(
                condition=Q(category__in=PostCategory.values), name="post_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(state__in=PostState.values), name="post_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(place__isnull=False) | Q(territory__isnull=False),
                name="post_has_place_or_territory",
            ),
            models.CheckConstraint(
                condition=~Q(state=PostState.HIDDEN) | ~Q(hidden_reason=""),
                name="post_hidden_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class PostReport(models.Model):
    """A member telling the moderators that a post breaks the rules (once per person)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("motif"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("signalement")
        verbose_name_plural = _("signalements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="post_report_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.post}: {self.reason[:40]}"


class Conversation(models.Model):
    """The exchange between a post's author and one person who answered it.

    Until the author answers (`author_answered_at`), neither side sees the other's address;
    afterwards both see it on the conversation page.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="conversations")
    responder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sharing_conversations",
    )
    author_answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("échange")
        verbose_name_plural = _("échanges")
        ordering = ["post", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "responder"], name="conversation_one_per_responder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.post} ↔ {self.responder}"


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["conversation", "created_at", "pk"]

    def __str__(self) -> str:
        return self.body[:40]


# --- time bank ----------------------------------------------------------------------------------


class NetworkTimeBank(models.Model):
    """A network's time bank, shared by the active members of its places (no row: none).
    Changed by its coordinators through `sharing.services.update_network_time_bank`."""

    network = models.OneToOneField(
        Network, on_delete=models.CASCADE, related_name="time_bank", verbose_name=_("réseau")
    )
    enabled = models.BooleanField(_("banque de temps du réseau"), default=False)
    # How far below zero a member's balance in the network's bank may go; 0: never below zero.
    overdraft_minutes = models.PositiveIntegerField(
        _("découvert autorisé (minutes)"),
        default=0,
        help_text=_("0 : un solde ne descend jamais sous zéro."),
    )

    class Meta:
        verbose_name = _("banque de temps de réseau")
        verbose_name_plural = _("banques de temps de réseau")

    def __str__(self) -> str:
        return str(self.network)


# Exactly one of `place` and `network`: the bank of an account or a transfer.
ONE_BANK = (Q(place__isnull=False) & Q(network__isnull=True)) | (
    Q(place__isnull=True) & Q(network__isnull=False)
)


class TimeAccount(models.Model):
    """A member's hours at one bank: a place's, or a network's (exactly one, by the database).
    `user` is emptied on erasure: the account and its transfers stay (so the books still
    balance), under the label « compte effacé »."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, null=True, blank=True, related_name="time_accounts"
    )
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, null=True, blank=True, related_name="time_accounts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="time_accounts",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("compte de temps")
        verbose_name_plural = _("comptes de temps")
        constraints = [
            models.UniqueConstraint(
                fields=["place", "user"],
                condition=Q(user__isnull=False),
                name="time_account_one_per_person_and_place",
            ),
            models.UniqueConstraint(
                fields=["network", "user"],
                condition=Q(user__isnull=False),
                name="time_account_one_per_person_and_network",
            ),
            models.CheckConstraint(condition=ONE_BANK, name="time_account_one_bank"),
            # The targets of the transfers' composite foreign keys (PostgreSQL, migration 0002).
            models.UniqueConstraint(fields=["id", "place"], name="time_account_id_place"),
            models.UniqueConstraint(fields=["id", "network"], name="time_account_id_network"),
        ]

    def __str__(self) -> str:
        return f"{self.place or self.network}: {self.user or _('compte effacé')}"


class TimeTransfer(models.Model):
    """One double entry inside one bank: `minutes` leave `debit` and reach `credit` (never the
    same account, never zero nor negative, both of the transfer's bank: the database refuses
    anything else). Never changed nor deleted."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, null=True, blank=True, related_name="time_transfers"
    )
    network = models.ForeignKey(
        Network, on_delete=models.CASCADE, null=True, blank=True, related_name="time_transfers"
    )
    # RESTRICT, not PROTECT: an account with transfers cannot be deleted alone (the books would
    # no longer balance), but its bank's owner can be, and takes the accounts and transfers
    # with it (both CASCADE from the place or the network); PROTECT refused that too.
    debit = models.ForeignKey(TimeAccount, on_delete=models.RESTRICT, related_name="debits")
    credit = models.ForeignKey(TimeAccount, on_delete=models.RESTRICT, related_name="credits")
    minutes = models.PositiveIntegerField(_("minutes"))
    post = models.ForeignKey(
        Post, on_delete=models.SET_NULL, null=True, blank=True, related_name="time_transfers"
    )
    label = models.CharField(_("libellé"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("échange de temps")
        verbose_name_plural = _("échanges de temps")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(minutes__gt=0), name="time_transfer_positive"),
            models.CheckConstraint(
                condition=~Q(debit=models.F("credit")), name="time_transfer_two_accounts"
            ),
            models.CheckConstraint(condition=ONE_BANK, name="time_transfer_one_bank"),
        ]

    def __str__(self) -> str:
        return f"{self.debit_id} → {self.credit_id}: {self.minutes} min"
