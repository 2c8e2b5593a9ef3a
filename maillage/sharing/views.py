"""Pages of sharing: a place's catalogue and items, the staff's lending pages, « Mes emprunts »,
and the offers and needs with their relayed conversations.

Thin: read the form, call a service, show its refusals next to their field (400) or above the
form (409, 403). Everything works without JavaScript. A place whose catalogue a person may not
read, an item, loan, post or conversation they may not see answers 404.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from maillage.accounts.models import User
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.members.models import Plan
from maillage.members.selectors import active_place_ids
from maillage.places.models import Network, Place
from maillage.territories.models import Territory

from . import selectors, services
from .forms import (
    CatalogueSearchForm,
    CheckoutForm,
    FulfilForm,
    ItemForm,
    LostForm,
    MessageForm,
    NetworkTimeBankForm,
    PhotoForm,
    PostForm,
    ReasonForm,
    RepairForm,
    ReturnForm,
    SettingsForm,
)
from .models import (
    OPEN_LOAN_STATES,
    Conversation,
    Item,
    ItemPhoto,
    Loan,
    Post,
    Reservation,
    ReservationState,
)
from .rules import (
    can_answer_post,
    can_change_post,
    can_manage_items,
    can_manage_network_time_bank,
    can_moderate_post,
    can_read_post,
    can_report_post,
    can_reserve,
    can_see_catalogue,
    can_self_checkout,
    can_take_part,
    network_time_bank,
    sharing_settings,
)

ITEMS_PER_PAGE = 50


def _apply(form, exc: ValidationFailed) -> None:
    for error in exc.errors:
        form.add_error(error.field if error.field in form.fields else None, str(error.message))


def _place(request: HttpRequest, slug: str) -> Place:
    place = Place.objects.filter(slug=slug).first()
    if place is None or not can_see_catalogue(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return place


def _staff_place(request: HttpRequest, slug: str) -> Place:
    place = Place.objects.filter(slug=slug).first()
    if place is None or not can_manage_items(request.user, place):
        raise Http404(_("Lieu introuvable."))
    return place


def _item(place: Place, pk: int, *, staff: bool = False) -> Item:
    items = Item.objects.filter(place=place, pk=pk)
    if not staff:
        items = items.filter(is_active=True)
    item = selectors.with_availability(items.select_related("place")).first()
    if item is None:
        raise Http404(_("Objet introuvable."))
    return item


def catalogue(request: HttpRequest, slug: str) -> HttpResponse:
    """A place's items with their availability, searchable by name and category."""
    place = _place(request, slug)
    form = CatalogueSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.catalogue(
        place,
        viewer=request.user,
        query=filters.get("q", ""),
        category=filters.get("categorie", ""),
        available_only=filters.get("disponible", False),
    )
    page = Paginator(items, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    for item in page:
        item.available = selectors.is_available(item)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sharing/catalogue.html",
        {
            "place": place,
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "is_staff": can_manage_items(request.user, place),
        },
    )


def item_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _place(request, slug)
    staff = can_manage_items(request.user, place)
    item = _item(place, pk, staff=staff)
    return _render_item(request, place, item, staff=staff)


def _render_item(request, place, item, *, staff, status=200, **forms) -> HttpResponse:
    user = request.user
    open_loan = selectors.open_loan_of(item)
    waiting = list(selectors.waiting_list(item))
    mine = next((r for r in waiting if r.user_id == getattr(user, "pk", None)), None)
    context = {
        "place": place,
        "item": item,
        "available": selectors.is_available(item),
        "photos": list(item.photos.all()),
        "open_loan": open_loan,
        "my_loan": open_loan
        if open_loan and open_loan.borrower_id == getattr(user, "pk", None)
        else None,
        "waiting_count": len(waiting),
        "my_reservation": mine,
        "my_position": waiting.index(mine) + 1 if mine else None,
        "can_borrow": user.is_authenticated and can_self_checkout(user, item),
        "can_reserve": user.is_authenticated and can_reserve(user, item),
        "is_staff": staff,
        "settings": sharing_settings(place),
    }
    if staff:
        context.update(
            {
                "history": list(selectors.item_history(item)[:50]),
                "waiting": waiting,
                "checkout_form": forms.get("checkout_form") or CheckoutForm(),
                "return_form": forms.get("return_form")
                or ReturnForm(initial={"condition": item.condition}),
                "lost_form": forms.get("lost_form") or LostForm(),
            }
        )
    return render(request, "sharing/item.html", context, status=status)


def _refused(request, exc: Exception) -> None:
    messages.error(request, str(exc) or _("Vous n'avez pas le droit de faire cette action."))


@login_required
@require_POST
def borrow(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Self-service: the member takes an available item (or the one held for them)."""
    place = _place(request, slug)
    item = _item(place, pk)
    try:
        loan = services.check_out(actor=request.user, item=item)
    except (Conflict, PermissionDenied, ValidationFailed) as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Emprunt enregistré : à rendre le %(date)s.")
            % {"date": loan.due_on.strftime("%d/%m/%Y")},
        )
    return redirect("sharing:item", place.slug, item.pk)


@login_required
@require_POST
def reserve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _place(request, slug)
    item = _item(place, pk)
    try:
        services.reserve_item(actor=request.user, item=item)
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Vous êtes sur la liste d'attente : un e-mail vous dira quand l'objet revient."),
        )
    return redirect("sharing:item", place.slug, item.pk)


@login_required
@require_POST
def cancel_reservation(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = Reservation.objects.select_related("place", "item").filter(pk=pk).first()
    if reservation is None or not (
        reservation.user_id == request.user.pk or can_manage_items(request.user, reservation.place)
    ):
        raise Http404(_("Réservation introuvable."))
    try:
        services.cancel_reservation(actor=request.user, reservation=reservation)
    except Conflict as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Réservation annulée."))
    return redirect("sharing:item", reservation.place.slug, reservation.item_id)


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The staff's page: every item (withdrawn ones too) and the loans out."""
    place = _staff_place(request, slug)
    items = selectors.with_availability(Item.objects.filter(place=place)).order_by("name", "pk")
    return render(
        request,
        "sharing/manage.html",
        {"place": place, "items": items, "loans": selectors.place_open_loans(place)},
    )


def _plans(place: Place):
    return Plan.objects.filter(place=place).order_by("name")


def _item_initial(item: Item) -> dict:
    return {
        "name": item.name,
        "category": item.category,
        "description": item.description,
        "condition": item.condition,
        "replacement_value": item.replacement_value_cents / 100,
        "deposit": item.deposit_cents / 100,
        "loan_days": item.loan_days,
        "is_active": item.is_active,
        "plans": list(item.plans.all()),
    }


@login_required
def item_form(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    place = _staff_place(request, slug)
    item = _item(place, pk, staff=True) if pk is not None else None
    form = ItemForm(
        request.POST or None,
        plans=_plans(place),
        initial=_item_initial(item) if item else None,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if item is None:
                    item = services.create_item(
                        actor=request.user,
                        place=place,
                        plans=list(form.cleaned_data["plans"]),
                        **form.service_values(),
                    )
                else:
                    services.update_item(
                        actor=request.user,
                        item=item,
                        plans=list(form.cleaned_data["plans"]),
                        **form.service_values(),
                    )
            except ValidationFailed as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Objet enregistré."))
                return redirect("sharing:item_edit", place.slug, item.pk)
        status = 400
    return render(
        request,
        "sharing/item_form.html",
        {
            "place": place,
            "item": item,
            "form": form,
            "photo_form": PhotoForm() if item else None,
            "repair_form": RepairForm() if item else None,
            "photos": list(item.photos.all()) if item else [],
        },
        status=status,
    )


@login_required
@require_POST
def add_photo(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _staff_place(request, slug)
    item = _item(place, pk, staff=True)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_item_photo(
                actor=request.user,
                item=item,
                upload=form.cleaned_data["image"],
                alt=form.cleaned_data["alt"],
            )
        except ValidationFailed as exc:
            _apply(form, exc)
        else:
            messages.success(request, _("Photo ajoutée."))
            return redirect("sharing:item_edit", place.slug, item.pk)
    return render(
        request,
        "sharing/item_form.html",
        {
            "place": place,
            "item": item,
            "form": ItemForm(plans=_plans(place), initial=_item_initial(item)),
            "photo_form": form,
            "repair_form": RepairForm(),
            "photos": list(item.photos.all()),
        },
        status=400,
    )


@login_required
@require_POST
def delete_photo(request: HttpRequest, slug: str, pk: int, photo_pk: int) -> HttpResponse:
    place = _staff_place(request, slug)
    photo = (
        ItemPhoto.objects.select_related("item__place")
        .filter(pk=photo_pk, item__place=place, item_id=pk)
        .first()
    )
    if photo is None:
        raise Http404(_("Photo introuvable."))
    services.delete_item_photo(actor=request.user, photo=photo)
    messages.success(request, _("Photo supprimée."))
    return redirect("sharing:item_edit", place.slug, pk)


def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo, for whoever may read its place's catalogue (members-only catalogues stay so)."""
    found = ItemPhoto.objects.select_related("item__place").filter(pk=pk).first()
    if found is None or not can_see_catalogue(request.user, found.item.place):
        raise Http404(_("Photo introuvable."))
    if not found.image.storage.exists(found.image.name):
        raise Http404(_("Photo introuvable."))
    # Stored photos are small (1600 px JPEG, a few hundred kB): read at once, closed at once.
    with found.image.open("rb") as stored:
        data = stored.read()
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def repair(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _staff_place(request, slug)
    item = _item(place, pk, staff=True)
    form = RepairForm(request.POST)
    if form.is_valid():
        try:
            services.record_repair(
                actor=request.user,
                item=item,
                note=form.cleaned_data["note"],
                condition=form.cleaned_data["condition"] or None,
            )
        except ValidationFailed as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Réparation enregistrée."))
    else:
        messages.error(request, _("Dites ce qui a été réparé."))
    return redirect("sharing:item_edit", place.slug, item.pk)


def _find_member(text: str) -> User | None:
    text = text.strip()
    return User.objects.filter(Q(username__iexact=text) | Q(email__iexact=text)).first()


@login_required
@require_POST
def staff_checkout(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    place = _staff_place(request, slug)
    item = _item(place, pk, staff=True)
    form = CheckoutForm(request.POST)
    if form.is_valid():
        borrower = _find_member(form.cleaned_data["borrower"])
        if borrower is None:
            form.add_error("borrower", _("Aucun compte à ce nom ou à cette adresse."))
        else:
            try:
                services.check_out(
                    actor=request.user,
                    item=item,
                    borrower=borrower,
                    due_on=form.cleaned_data["due_on"],
                    deposit_paid=form.cleaned_data["deposit_paid"],
                )
            except ValidationFailed as exc:
                _apply(form, exc)
            except (Conflict, PermissionDenied) as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Prêt enregistré."))
                return redirect("sharing:item", place.slug, item.pk)
    return _render_item(request, place, item, staff=True, status=400, checkout_form=form)


def _loan(place: Place, pk: int) -> Loan:
    loan = (
        Loan.objects.select_related("item", "place", "borrower").filter(place=place, pk=pk).first()
    )
    if loan is None:
        raise Http404(_("Prêt introuvable."))
    return loan


@dataclass(frozen=True)
class _Closing:
    """How a loan ends: its form (shown again as `form_name` when refused), its write
    (`write(actor=, loan=, **cleaned_data)`), the message of its success and where it leads."""

    form_class: type
    write: Callable[..., object]
    form_name: str
    success: str
    done: Callable[[Place, Loan], HttpResponse]


_CLOSINGS = {
    "return": _Closing(
        form_class=ReturnForm,
        write=services.return_item,
        form_name="return_form",
        success=gettext_lazy("Retour enregistré."),
        done=lambda place, loan: redirect("sharing:item", place.slug, loan.item_id),
    ),
    "lost": _Closing(
        form_class=LostForm,
        write=services.declare_lost,
        form_name="lost_form",
        success=gettext_lazy("Objet déclaré perdu."),
        done=lambda place, loan: redirect("sharing:manage", place.slug),
    ),
}


@login_required
@require_POST
def staff_close_loan(request: HttpRequest, slug: str, pk: int, closing: str) -> HttpResponse:
    """A staff POST ending a loan, as returned or lost (`_CLOSINGS`); a refusal shows the item
    page again with the form, status 400."""
    how = _CLOSINGS[closing]
    place = _staff_place(request, slug)
    loan = _loan(place, pk)
    form = how.form_class(request.POST)
    if form.is_valid():
        try:
            how.write(actor=request.user, loan=loan, **form.cleaned_data)
        except ValidationFailed as exc:
            _apply(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, how.success)
            return how.done(place, loan)
    item = _item(place, loan.item_id, staff=True)
    return _render_item(request, place, item, staff=True, status=400, **{how.form_name: form})


@login_required
@require_POST
def renew(request: HttpRequest, pk: int) -> HttpResponse:
    loan = Loan.objects.select_related("item", "place").filter(pk=pk).first()
    if loan is None or not (
        loan.borrower_id == request.user.pk or can_manage_items(request.user, loan.place)
    ):
        raise Http404(_("Prêt introuvable."))
    try:
        loan = services.renew_loan(actor=request.user, loan=loan)
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Prêt prolongé jusqu'au %(date)s.") % {"date": loan.due_on.strftime("%d/%m/%Y")},
        )
    if _safe_next(request):
        return redirect(request.POST["next"])
    return redirect("sharing:my_loans")


def _safe_next(request: HttpRequest) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/") and not target.startswith("//")


@login_required
def settings_page(request: HttpRequest, slug: str) -> HttpResponse:
    place = _staff_place(request, slug)
    current = sharing_settings(place)
    fields = [
        "catalogue_public",
        "self_service",
        "hold_hours",
        "max_renewals",
        "time_bank_enabled",
        "overdraft_minutes",
    ]
    form = SettingsForm(
        request.POST or None, initial={name: getattr(current, name) for name in fields}
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_sharing_settings(
                    actor=request.user, place=place, **form.cleaned_data
                )
            except ValidationFailed as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Réglages enregistrés."))
                return redirect("sharing:settings", place.slug)
        status = 400
    return render(request, "sharing/settings.html", {"place": place, "form": form}, status=status)


@login_required
def network_time_bank_page(request: HttpRequest, slug: str) -> HttpResponse:
    """A network's time bank settings, for its coordinators (404 for anyone else)."""
    network = Network.objects.filter(slug=slug).first()
    if network is None or not can_manage_network_time_bank(request.user, network):
        raise Http404(_("Réseau introuvable."))
    current = network_time_bank(network)
    form = NetworkTimeBankForm(
        request.POST or None,
        initial={"enabled": current.enabled, "overdraft_minutes": current.overdraft_minutes},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_network_time_bank(
                    actor=request.user, network=network, **form.cleaned_data
                )
            except ValidationFailed as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Réglages enregistrés."))
                return redirect("sharing:network_time_bank", network.slug)
        status = 400
    return render(
        request,
        "sharing/network_time_bank.html",
        {
            "network": network,
            "form": form,
            "total": selectors.total_balance_minutes(network=network),
        },
        status=status,
    )


@login_required
def my_loans(request: HttpRequest) -> HttpResponse:
    loans = list(selectors.loans_of(request.user)[:200])
    return render(
        request,
        "sharing/my_loans.html",
        {
            "current": [loan for loan in loans if loan.state in OPEN_LOAN_STATES],
            "past": [loan for loan in loans if loan.state not in OPEN_LOAN_STATES],
            "reservations": list(selectors.reservations_of(request.user)),
            "balances": selectors.balances_of(request.user),
            "held": ReservationState.HELD,
        },
    )


# --- offers and needs ---------------------------------------------------------------------------


@login_required
def posts(request: HttpRequest) -> HttpResponse:
    visible = selectors.visible_posts(request.user)
    kind = request.GET.get("type", "")
    if kind in ("offer", "request"):
        visible = visible.filter(kind=kind)
    page = Paginator(visible, ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "sharing/posts.html", {"page": page, "kind": kind})


def _post_places(user):
    return Place.objects.filter(pk__in=list(active_place_ids(user))).order_by("name")


@login_required
def post_new(request: HttpRequest) -> HttpResponse:
    form = PostForm(request.POST or None, places=_post_places(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            territory = None
            code = data["territory_code"].strip().upper()
            if code:
                territory = (
                    Territory.objects.filter(code=code, level__in=("commune", "departement"))
                    .order_by("level")
                    .first()
                )
                if territory is None:
                    form.add_error("territory_code", _("Territoire inconnu."))
            if not form.errors:
                try:
                    post = services.create_post(
                        actor=request.user,
                        kind=data["kind"],
                        category=data["category"],
                        title=data["title"],
                        body=data["body"],
                        expires_on=data["expires_on"],
                        place=data["place"] if territory is None else None,
                        territory=territory,
                    )
                except ValidationFailed as exc:
                    _apply(form, exc)
                except PermissionDenied:
                    form.add_error(
                        None, _("Vous publiez pour les lieux dont vous êtes membre actif·ve.")
                    )
                else:
                    messages.success(request, _("Annonce publiée."))
                    return redirect("sharing:post", post.pk)
        status = 400
    return render(request, "sharing/post_form.html", {"form": form}, status=status)


def _post(request: HttpRequest, pk: int) -> Post:
    post = Post.objects.select_related("place", "territory", "author").filter(pk=pk).first()
    if post is None or not can_read_post(request.user, post):
        raise Http404(_("Annonce introuvable."))
    return post


@login_required
def post_detail(request: HttpRequest, pk: int, *, status: int = 200, **forms) -> HttpResponse:
    post = _post(request, pk)
    user = request.user
    author = post.author_id == user.pk
    time_bank = bool(post.place and sharing_settings(post.place).time_bank_enabled)
    conversations = selectors.conversations_of_post(post)
    mine = Conversation.objects.filter(post=post, responder=user).first()
    context = {
        "post": post,
        "is_author": author,
        "can_answer": can_answer_post(user, post) and mine is None,
        "my_conversation": mine,
        "can_report": can_report_post(user, post),
        "can_moderate": can_moderate_post(user, post),
        "conversations": list(conversations) if author else [],
        "answer_form": forms.get("answer_form") or MessageForm(),
        "report_form": forms.get("report_form") or ReasonForm(),
        "hide_form": forms.get("hide_form") or ReasonForm(),
        "fulfil_form": forms.get("fulfil_form")
        or FulfilForm(
            conversations=conversations,
            time_bank=time_bank,
            networks=selectors.network_banks_for_post(post) if author else None,
        ),
        "reports": list(post.reports.select_related("reporter"))
        if can_moderate_post(user, post)
        else [],
    }
    return render(request, "sharing/post.html", context, status=status)


@login_required
@require_POST
def post_answer(request: HttpRequest, pk: int) -> HttpResponse:
    post = _post(request, pk)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            message = services.answer_post(
                actor=request.user, post=post, body=form.cleaned_data["body"]
            )
        except ValidationFailed as exc:
            _apply(form, exc)
        except (Conflict, PermissionDenied) as exc:
            form.add_error(None, str(exc) or _("Vous ne pouvez pas répondre à cette annonce."))
        else:
            messages.success(
                request,
                _(
                    "Message transmis : la personne vous répondra ici, sans que vos adresses "
                    "soient échangées."
                ),
            )
            return redirect("sharing:conversation", message.conversation_id)
    return post_detail(request, pk, status=400, answer_form=form)


@login_required
@require_POST
def post_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    post = _post(request, pk)
    form = None
    try:
        if action == "withdraw":
            services.withdraw_post(actor=request.user, post=post)
            messages.success(request, _("Annonce retirée."))
        elif action == "restore":
            services.restore_post(actor=request.user, post=post)
            messages.success(request, _("Annonce rétablie."))
        elif action == "report":
            form = ReasonForm(request.POST)
            if form.is_valid():
                services.report_post(
                    actor=request.user, post=post, reason=form.cleaned_data["reason"]
                )
                messages.success(
                    request, _("Merci : l'équipe de modération va regarder cette annonce.")
                )
            else:
                return post_detail(request, pk, status=400, report_form=form)
        elif action == "hide":
            form = ReasonForm(request.POST)
            if form.is_valid():
                services.hide_post(
                    actor=request.user, post=post, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Annonce masquée."))
            else:
                return post_detail(request, pk, status=400, hide_form=form)
        elif action == "fulfil":
            time_bank = bool(post.place and sharing_settings(post.place).time_bank_enabled)
            form = FulfilForm(
                request.POST,
                conversations=selectors.conversations_of_post(post),
                time_bank=time_bank,
                networks=selectors.network_banks_for_post(post),
            )
            if form.is_valid():
                services.fulfil_post(
                    actor=request.user,
                    post=post,
                    conversation=form.cleaned_data["conversation"],
                    minutes=form.cleaned_data.get("minutes"),
                    network=form.cleaned_data.get("network"),
                )
                messages.success(request, _("Annonce marquée comme réalisée."))
            else:
                return post_detail(request, pk, status=400, fulfil_form=form)
        else:
            raise Http404
    except ValidationFailed as exc:
        if form is None:
            raise
        _apply(form, exc)
        return post_detail(request, pk, status=400, **{f"{action}_form": form})
    except (Conflict, PermissionDenied) as exc:
        _refused(request, exc)
    return redirect("sharing:post", post.pk)


@login_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    found = (
        Conversation.objects.select_related("post__author", "post__place", "responder")
        .filter(pk=pk)
        .first()
    )
    if found is None or not can_take_part(request.user, found):
        raise Http404(_("Échange introuvable."))
    form = MessageForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.reply(
                    actor=request.user, conversation=found, body=form.cleaned_data["body"]
                )
            except ValidationFailed as exc:
                _apply(form, exc)
            else:
                messages.success(request, _("Message transmis."))
                return redirect("sharing:conversation", found.pk)
        status = 400
    found.refresh_from_db()
    return render(
        request,
        "sharing/conversation.html",
        {
            "conversation": found,
            "post": found.post,
            "messages_list": list(found.messages.select_related("sender")),
            "form": form,
            "disclosed": found.author_answered_at is not None,
            "is_author": found.post.author_id == request.user.pk,
            "can_change": can_change_post(request.user, found.post),
        },
        status=status,
    )
