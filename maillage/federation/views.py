"""Federation pages for instance administrators: peers (register, harvest now, recent
harvests), a harvest's progress and log, and the duplicate queue. Others get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.compression import never_compress
from maillage.common.errors import Conflict, ValidationFailed
from maillage.common.lifecycle import IllegalTransition
from maillage.common.shown_once import keep_for_next_page, take_shown_once
from maillage.places.models import Place

from . import selectors, services
from .forms import DecisionForm, PeerForm, WebhookForm
from .models import DuplicateCandidate, HarvestJob, Peer, WebhookSubscription
from .rules import can_manage_federation


def _admin_only(request) -> None:
    if not can_manage_federation(request.user):
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def peer_list(request):
    _admin_only(request)
    form = PeerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            peer = services.register_peer(
                actor=request.user,
                base_url=form.cleaned_data["base_url"],
                name=form.cleaned_data["name"],
            )
        except ValidationFailed as exc:
            exc.add_to_form(form)
        else:
            messages.success(request, _("Instance « %s » enregistrée.") % peer.name)
            return redirect("federation:peers")
    context = {
        "form": form,
        "peers": selectors.peers(),
        "harvests": selectors.recent_harvests(),
        "duplicates": selectors.proposed_duplicates().count(),
    }
    return render(request, "federation/peer_list.html", context)


@login_required
@require_POST
def peer_harvest(request, peer_id: int):
    _admin_only(request)
    peer = get_object_or_404(Peer, pk=peer_id)
    try:
        job = services.queue_harvest(actor=request.user, peer=peer)
    except Conflict as exc:
        messages.error(request, str(exc))
        return redirect("federation:peers")
    return redirect("federation:harvest", job_id=job.pk)


@login_required
def harvest_detail(request, job_id: int):
    _admin_only(request)
    job = get_object_or_404(HarvestJob.objects.select_related("peer"), pk=job_id)
    template = "federation/_harvest.html" if request.htmx else "federation/harvest_detail.html"
    return render(request, template, {"job": job})


@login_required
def duplicate_list(request):
    _admin_only(request)
    return render(
        request, "federation/duplicate_list.html", {"duplicates": selectors.proposed_duplicates()}
    )


@login_required
@require_POST
def duplicate_decide(request, candidate_id: int):
    _admin_only(request)
    candidate = get_object_or_404(DuplicateCandidate, pk=candidate_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez « Fusionner » ou « Garder les deux »."))
        return redirect("federation:duplicates")
    try:
        services.resolve_duplicate(
            actor=request.user, candidate=candidate, decision=form.cleaned_data["decision"]
        )
    except IllegalTransition:
        messages.error(request, _("Ce doublon a déjà été tranché."))
    else:
        messages.success(request, _("Décision enregistrée."))
    return redirect("federation:duplicates")


@login_required
@require_POST
def place_take_over(request, place_id: int):
    _admin_only(request)
    place = get_object_or_404(Place, pk=place_id)
    try:
        place = services.take_over_place(actor=request.user, place=place)
    except ValidationFailed as exc:
        messages.error(request, exc.errors[0].message)
        return redirect("federation:peers")
    messages.success(request, _("Le lieu « %s » est repris : il se modifie ici.") % place.name)
    return redirect(f"/lieux/{place.slug}/")


NEW_WEBHOOK_SESSION_KEY = "federation.new_webhook"


@never_compress  # prints a secret once: see maillage.common.compression
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    """Subscriptions to place changes. A POST subscribes and redirects (a reload subscribes
    nothing); the shared secret waits in the session and is shown once
    (maillage.common.shown_once)."""
    _admin_only(request)
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription, secret = services.subscribe_webhook(
                actor=request.user,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
            )
        except ValidationFailed as exc:
            exc.add_to_form(form)
        else:
            keep_for_next_page(request, NEW_WEBHOOK_SESSION_KEY, pk=subscription.pk, secret=secret)
            return redirect("federation:webhooks")
    subscriptions = list(selectors.webhook_subscriptions())
    created, secret = take_shown_once(request, NEW_WEBHOOK_SESSION_KEY, subscriptions)
    context = {
        "form": form,
        "subscriptions": subscriptions,
        "deliveries": selectors.recent_deliveries(),
        "created": created,
        "secret": secret,
    }
    return render(
        request, "federation/webhook_list.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def webhook_toggle(request, subscription_id: int):
    _admin_only(request)
    subscription = get_object_or_404(WebhookSubscription, pk=subscription_id)
    services.set_webhook_active(
        actor=request.user, subscription=subscription, active=not subscription.active
    )
    if subscription.active:
        messages.success(request, _("Abonnement « %s » réactivé.") % subscription.url)
    else:
        messages.success(request, _("Abonnement « %s » suspendu.") % subscription.url)
    return redirect("federation:webhooks")
