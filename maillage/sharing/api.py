"""The sharing API: the catalogue of lent items with their availability, the caller's loans,
self-service check-out, the hours the staff record in a place's time bank, and a network's time
bank (a member's balance and transfers, all its transfers and recording one, for its
coordinators).

Reading the catalogue needs no token for public catalogues; with a token, the members-only
catalogues of the caller's places are included. Lists are paginated (`limit`, `offset`) and
read a fixed number of queries.
"""

from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from maillage.accounts.auth import BearerToken, token_auth
from maillage.accounts.models import User
from maillage.common.schemas import MAX_ID, PageQuery, error_responses, page
from maillage.places.models import Network, Place

from . import selectors, services
from .models import Item, ItemCategory, Loan, TimeTransfer
from .rules import can_manage_network_time_bank, is_network_member, network_time_bank

router = Router(tags=["sharing"])


class OptionalToken(BearerToken):
    """A token when one is sent (and then it must be valid), else an anonymous caller."""

    def __call__(self, request):
        if not request.headers.get("Authorization"):
            return AnonymousUser()
        return super().__call__(request)


optional_token = OptionalToken()


class ItemQuery(PageQuery):
    place: int | None = Field(
        None, ge=1, le=MAX_ID, description="Id d'un lieu : ses objets seulement."
    )
    q: str = Field("", max_length=80, description="Mots du nom de l'objet (sans accents ni casse).")
    category: ItemCategory | None = Field(None, description="Catégorie de la taxonomie partagée.")
    available: bool = Field(False, description="`1` : seulement les objets disponibles maintenant.")


class ItemOut(Schema):
    id: int
    place_id: int
    name: str
    category: str
    description: str
    condition: str
    replacement_value_cents: int
    deposit_cents: int
    loan_days: int
    available: bool = Field(
        description="Empruntable maintenant (ni prêté, ni mis de côté, ni hors d'usage)."
    )
    on_loan: bool
    held: bool = Field(description="Rendu et mis de côté pour la première personne en attente.")
    due_on: date | None = Field(description="Date de retour prévue du prêt en cours.")
    waiting: int = Field(description="Personnes sur la liste d'attente.")


class ItemPageOut(Schema):
    count: int
    items: list[ItemOut]


class LoanOut(Schema):
    id: int
    item_id: int
    item_name: str
    place_id: int
    state: str
    checked_out_at: datetime
    due_on: date
    returned_at: datetime | None
    renewals: int
    deposit_cents: int
    deposit_outcome: str


class LoanPageOut(Schema):
    count: int
    items: list[LoanOut]


class LoanPageQuery(PageQuery):
    open: bool = Field(False, description="`1` : seulement les prêts en cours.")


class TimeTransferIn(Schema):
    place_id: int = Field(ge=1, le=MAX_ID)
    payer_id: int = Field(ge=1, le=MAX_ID, description="La personne aidée (débitée).")
    payee_id: int = Field(ge=1, le=MAX_ID, description="La personne qui a aidé (créditée).")
    minutes: int = Field(ge=1, le=24 * 60)
    label: str = Field(max_length=200)


class TimeTransferOut(Schema):
    id: int
    place_id: int
    debit_account_id: int
    credit_account_id: int
    minutes: int


class NetworkTimeTransferIn(Schema):
    payer_id: int = Field(ge=1, le=MAX_ID, description="La personne aidée (débitée).")
    payee_id: int = Field(ge=1, le=MAX_ID, description="La personne qui a aidé (créditée).")
    minutes: int = Field(ge=1, le=24 * 60)
    label: str = Field(max_length=200)


class NetworkTimeTransferOut(Schema):
    id: int
    network_id: int
    debit_account_id: int
    credit_account_id: int
    minutes: int


class NetworkTimeTransferRowOut(Schema):
    id: int
    network_id: int
    debit_account_id: int
    credit_account_id: int
    payer_id: int | None = Field(description="La personne débitée (vide : compte effacé).")
    payee_id: int | None = Field(description="La personne créditée (vide : compte effacé).")
    minutes: int
    label: str
    post_id: int | None = Field(description="L'annonce réalisée dont viennent ces heures.")
    created_at: datetime


class NetworkTimeTransferPageOut(Schema):
    count: int
    items: list[NetworkTimeTransferRowOut]


class NetworkTimeBalanceOut(Schema):
    network_id: int
    enabled: bool = Field(description="La banque du réseau est ouverte aux échanges.")
    overdraft_minutes: int = Field(description="Jusqu'où un solde peut descendre sous zéro.")
    account_id: int | None = Field(description="Le compte de l'appelant·e (vide : pas encore).")
    balance_minutes: int = Field(description="Crédits moins débits, en minutes.")


def _item_out(item: Item) -> dict:
    return {
        "id": item.pk,
        "place_id": item.place_id,
        "name": item.name,
        "category": item.category,
        "description": item.description,
        "condition": item.condition,
        "replacement_value_cents": item.replacement_value_cents,
        "deposit_cents": item.deposit_cents,
        "loan_days": item.loan_days,
        "available": selectors.is_available(item),
        "on_loan": item.is_out,  # type: ignore[attr-defined]
        "held": item.is_held,  # type: ignore[attr-defined]
        "due_on": item.due_on,  # type: ignore[attr-defined]
        "waiting": item.waiting,  # type: ignore[attr-defined]
    }


def _loan_out(loan: Loan) -> dict:
    return {
        "id": loan.pk,
        "item_id": loan.item_id,
        "item_name": loan.item.name,
        "place_id": loan.place_id,
        "state": loan.state,
        "checked_out_at": loan.checked_out_at,
        "due_on": loan.due_on,
        "returned_at": loan.returned_at,
        "renewals": loan.renewals,
        "deposit_cents": loan.deposit_cents,
        "deposit_outcome": loan.deposit_outcome,
    }


@router.get(
    "items",
    auth=optional_token,
    response={200: ItemPageOut, **error_responses(401, 404, 422)},
    operation_id="list_items",
    summary="Chercher des objets à emprunter",
    description=(
        "Les objets prêtés des catalogues que l'appelant·e peut lire (publics ; avec un jeton, "
        "aussi ceux réservés aux membres de ses lieux), par nom, avec leur disponibilité. "
        "`count` est le total, `items` en donne au plus `limit` à partir de `offset`."
    ),
)
def list_items(request: HttpRequest, params: Query[ItemQuery]):
    place = None
    if params.place is not None:
        place = Place.objects.filter(pk=params.place).first()
        if place is None:
            raise Http404(_("Lieu introuvable."))
    items = selectors.catalogue(
        place,
        viewer=request.auth,
        query=params.q,
        category=params.category or "",
        available_only=params.available,
    )
    return page(items, params, lambda rows: [_item_out(item) for item in rows])


@router.get(
    "items/{item_id}",
    auth=optional_token,
    response={200: ItemOut, **error_responses(401, 404, 422)},
    operation_id="get_item",
    summary="Un objet et sa disponibilité",
)
def get_item(request: HttpRequest, item_id: int):
    item = selectors.catalogue(None, viewer=request.auth).filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Objet introuvable."))
    return _item_out(item)


@router.post(
    "items/{item_id}/loans",
    auth=token_auth,
    response={201: LoanOut, **error_responses(401, 403, 404, 409, 422)},
    operation_id="borrow_item",
    summary="Emprunter un objet (libre-service)",
    description=(
        "La personne du jeton emprunte l'objet, là où le lieu permet le libre-service et si sa "
        "formule le permet (403 sinon). 409 quand l'objet est déjà prêté, mis de côté pour "
        "quelqu'un d'autre, ou quand la personne a déjà autant d'objets que sa formule permet."
    ),
)
def borrow_item(request: HttpRequest, item_id: int):
    item = selectors.catalogue(None, viewer=request.auth).filter(pk=item_id).first()
    if item is None:
        raise Http404(_("Objet introuvable."))
    loan = services.check_out(actor=request.auth, item=item)
    return Status(201, _loan_out(loan))


@router.get(
    "me/loans",
    auth=token_auth,
    response={200: LoanPageOut, **error_responses(401, 422)},
    operation_id="list_my_loans",
    summary="Mes emprunts",
    description="Les prêts de la personne du jeton, en cours d'abord puis les plus récents.",
)
def list_my_loans(request: HttpRequest, params: Query[LoanPageQuery]):
    loans = selectors.loans_of(request.auth)
    if params.open:
        loans = loans.filter(returned_at__isnull=True)
    return page(loans, params, lambda rows: [_loan_out(loan) for loan in rows])


@router.post(
    "time-transfers",
    auth=token_auth,
    response={201: TimeTransferOut, **error_responses(400, 401, 403, 404, 409, 422)},
    operation_id="create_time_transfer",
    summary="Enregistrer un échange d'heures (banque de temps)",
    description=(
        "L'équipe d'un lieu enregistre `minutes` données par `payee_id` à `payer_id`, deux "
        "membres actifs du lieu : une écriture, un débit et un crédit. 409 quand le solde de la "
        "personne débitée descendrait sous le plancher du lieu."
    ),
)
def create_time_transfer(request: HttpRequest, payload: TimeTransferIn):
    place = Place.objects.filter(pk=payload.place_id).first()
    payer, payee = _payer_and_payee(payload)
    if place is None or payer is None or payee is None:
        raise Http404(_("Lieu ou personne introuvable."))
    transfer = services.record_time_exchange(
        actor=request.auth,
        place=place,
        payer=payer,
        payee=payee,
        minutes=payload.minutes,
        label=payload.label,
    )
    return _transfer_created(transfer, "place_id")


def _payer_and_payee(payload) -> tuple[User | None, User | None]:
    return (
        User.objects.filter(pk=payload.payer_id).first(),
        User.objects.filter(pk=payload.payee_id).first(),
    )


def _transfer_created(transfer: TimeTransfer, scope: str) -> Status:
    """The 201 of a new transfer, place's or network's: `scope` names its owner's id field."""
    return Status(
        201,
        {
            "id": transfer.pk,
            scope: getattr(transfer, scope),
            "debit_account_id": transfer.debit_id,
            "credit_account_id": transfer.credit_id,
            "minutes": transfer.minutes,
        },
    )


# --- a network's time bank ----------------------------------------------------------------
# The same rules as the pages: the network's coordinators (and instance administrators) run
# its bank; an active member of one of its places reads their own account. Anyone else gets
# the 404 of a network they cannot see.


def _network_for(user, network_id: int, *, manage: bool = False) -> Network:
    network = Network.objects.filter(pk=network_id).first()
    if network is not None:
        if can_manage_network_time_bank(user, network):
            return network
        if not manage and is_network_member(user, network):
            return network
    raise Http404(_("Réseau introuvable."))


def _network_transfer_out(transfer: TimeTransfer) -> dict:
    return {
        "id": transfer.pk,
        "network_id": transfer.network_id,
        "debit_account_id": transfer.debit_id,
        "credit_account_id": transfer.credit_id,
        "payer_id": transfer.debit.user_id,
        "payee_id": transfer.credit.user_id,
        "minutes": transfer.minutes,
        "label": transfer.label,
        "post_id": transfer.post_id,
        "created_at": transfer.created_at,
    }


def _transfer_page(transfers, params: PageQuery) -> dict:
    return page(transfers, params, lambda rows: [_network_transfer_out(t) for t in rows])


@router.get(
    "networks/{network_id}/time-bank/me",
    auth=token_auth,
    response={200: NetworkTimeBalanceOut, **error_responses(401, 404, 422)},
    operation_id="get_my_network_time_balance",
    summary="Mon solde à la banque de temps d'un réseau",
    description=(
        "Le solde de la personne du jeton à la banque du réseau, membre active d'un de ses "
        "lieux (ou coordinatrice du réseau) ; 404 pour tout autre réseau."
    ),
)
def get_my_network_time_balance(request: HttpRequest, network_id: int):
    network = _network_for(request.auth, network_id)
    bank = network_time_bank(network)
    return {
        "network_id": network.pk,
        "enabled": bank.enabled,
        "overdraft_minutes": bank.overdraft_minutes,
        **selectors.network_account(network, request.auth),
    }


@router.get(
    "networks/{network_id}/time-bank/me/transfers",
    auth=token_auth,
    response={200: NetworkTimeTransferPageOut, **error_responses(401, 404, 422)},
    operation_id="list_my_network_time_transfers",
    summary="Mes échanges d'heures à la banque d'un réseau",
    description=(
        "Les écritures qui débitent ou créditent le compte de la personne du jeton, les plus "
        "récentes d'abord. `count` est le total, `items` en donne au plus `limit` à partir de "
        "`offset`."
    ),
)
def list_my_network_time_transfers(request: HttpRequest, network_id: int, params: Query[PageQuery]):
    network = _network_for(request.auth, network_id)
    return _transfer_page(selectors.network_transfers(network, user=request.auth), params)


@router.get(
    "networks/{network_id}/time-transfers",
    auth=token_auth,
    response={200: NetworkTimeTransferPageOut, **error_responses(401, 404, 422)},
    operation_id="list_network_time_transfers",
    summary="Les échanges d'heures de la banque d'un réseau",
    description=(
        "Toutes les écritures de la banque du réseau, les plus récentes d'abord, pour ses "
        "coordinateurs et coordinatrices (404 pour les autres)."
    ),
)
def list_network_time_transfers(request: HttpRequest, network_id: int, params: Query[PageQuery]):
    network = _network_for(request.auth, network_id, manage=True)
    return _transfer_page(selectors.network_transfers(network), params)


@router.post(
    "networks/{network_id}/time-transfers",
    auth=token_auth,
    response={201: NetworkTimeTransferOut, **error_responses(400, 401, 403, 404, 409, 422)},
    operation_id="create_network_time_transfer",
    summary="Enregistrer un échange d'heures (banque de temps d'un réseau)",
    description=(
        "La coordination du réseau enregistre `minutes` données par `payee_id` à `payer_id`, "
        "deux membres actifs de lieux du réseau : une écriture, un débit et un crédit. 403 pour "
        "un·e membre qui ne coordonne pas le réseau, 422 quand la banque est fermée ou qu'une "
        "des personnes n'est pas membre, 409 quand le solde de la personne débitée descendrait "
        "sous le plancher du réseau."
    ),
)
def create_network_time_transfer(
    request: HttpRequest, network_id: int, payload: NetworkTimeTransferIn
):
    network = _network_for(request.auth, network_id)
    payer, payee = _payer_and_payee(payload)
    if payer is None or payee is None:
        raise Http404(_("Personne introuvable."))
    transfer = services.record_network_time_exchange(
        actor=request.auth,
        network=network,
        payer=payer,
        payee=payee,
        minutes=payload.minutes,
        label=payload.label,
    )
    return _transfer_created(transfer, "network_id")
