"""The event pages: the agenda (all places, one place), an event and its registration, the
signed links of the emails, the iCalendar feeds, and the staff's pages. Thin over the services.
Every page works without JavaScript; what the person may not see answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.common.markdown import render_markdown
from maillage.common.timeranges import PARIS
from maillage.places.models import Network, Place
from maillage.territories.selectors import UnknownTerritory, resolve_territory

from . import selectors, services
from .calendar import location_text, to_ics
from .feed_services import create_event_feed, feed_for_secret
from .forms import (
    AgendaFilterForm,
    AttendanceForm,
    CancelEventForm,
    EventForm,
    GuestRegistrationForm,
    SomeoneRegistrationForm,
)
from .jsonld import event_jsonld
from .links import LinkInvalid, registration_for
from .models import ACTIVE_STATUSES, Event, Registration, RegistrationStatus
from .rules import can_create_event, can_manage_event, can_register, events_where

PAGE_SIZE = 30
ICS = "text/calendar; charset=utf-8"


def _localise(events) -> None:
    for event in events:
        zone = event.timezone
        event.local_start = event.start.astimezone(zone)
        event.local_end = event.end.astimezone(zone)


def _agenda(request, *, place: Place | None = None, template="events/agenda.html"):
    form = AgendaFilterForm(request.GET or None)
    filters = selectors.upcoming(form.filters(place=place))
    events = selectors.filter_events(request.user, filters)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    _localise(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "place": place,
            "query": query.urlencode(),
            "can_create": place is not None and can_create_event(request.user, place=place),
        },
    )


def agenda(request):
    return _agenda(request)


def place_agenda(request, slug: str):
    place = get_object_or_404(Place, slug=slug)
    return _agenda(request, place=place)


def _visible_event(request, event_id: int) -> Event:
    event = (
        events_where(request.user)
        .select_related("place", "network", "room", "qualification")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        raise Http404(_("Événement introuvable."))
    return event


def _detail_context(request, event: Event, **extra) -> dict:
    _localise([event])
    mine = None
    if request.user.is_authenticated:
        mine = (
            Registration.objects.filter(event=event, user=request.user, status__in=ACTIVE_STATUSES)
            .order_by("-pk")
            .first()
        )
        if mine is not None:
            mine.position = services.waiting_position(mine)
    return {
        "event": event,
        "description_html": render_markdown(event.description),
        "location": location_text(event),
        "jsonld": event_jsonld(event),
        "mine": mine,
        "refusal": services.registration_open_refusal(event),
        "may_register": can_register(request.user, event),
        "manages": can_manage_event(request.user, event),
        "guest_form": extra.pop("guest_form", None) or GuestRegistrationForm(),
        **extra,
    }


def detail(request, event_id: int):
    event = _visible_event(request, event_id)
    return render(request, "events/detail.html", _detail_context(request, event))


@require_POST
def register(request, event_id: int):
    """A member registers themself; a guest (not signed in) asks for the confirmation link."""
    event = _visible_event(request, event_id)
    if request.user.is_authenticated:
        try:
            registration = services.register(actor=request.user, event=event)
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect("events:detail", event.pk)
        if registration.status == RegistrationStatus.CONFIRMED:
            messages.success(request, _("Vous êtes inscrit·e. La confirmation part par email."))
        else:
            messages.info(request, _("L'événement est complet : vous êtes en liste d'attente."))
        return redirect("events:detail", event.pk)
    form = GuestRegistrationForm(request.POST)
    if form.is_valid():
        try:
            services.register_guest(
                event=event, name=form.cleaned_data["name"], email=form.cleaned_data["email"]
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            return render(request, "events/check_your_mail.html", {"event": event})
    context = _detail_context(request, event, guest_form=form)
    return render(request, "events/detail.html", context, status=400)


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The double opt-in link: a page with one button (a mail scanner opening the link confirms
    nothing), the POST confirms."""
    try:
        registration = registration_for(token, purpose="confirm")
    except LinkInvalid:
        return render(request, "events/link_invalid.html", status=400)
    event = registration.event
    if request.method == "POST":
        try:
            services.confirm_guest(registration)
        except Conflict as exc:
            return render(
                request, "events/link_done.html", {"event": event, "message": str(exc)}, status=409
            )
        registration.position = services.waiting_position(registration)
        return render(
            request, "events/confirmed.html", {"event": event, "registration": registration}
        )
    return render(request, "events/confirm.html", {"event": event, "registration": registration})


@require_http_methods(["GET", "POST"])
def cancel_link(request, token: str):
    try:
        registration = registration_for(token, purpose="cancel")
    except LinkInvalid:
        return render(request, "events/link_invalid.html", status=400)
    event = registration.event
    if request.method == "POST":
        try:
            services.cancel_by_link(registration)
        except Conflict as exc:
            return render(
                request, "events/link_done.html", {"event": event, "message": str(exc)}, status=409
            )
        return render(
            request,
            "events/link_done.html",
            {"event": event, "message": _("Votre inscription est annulée.")},
        )
    return render(request, "events/cancel.html", {"event": event, "registration": registration})


@login_required
@require_POST
def cancel_mine(request, registration_id: int):
    registration = get_object_or_404(
        Registration.objects.select_related("event"), pk=registration_id, user=request.user
    )
    try:
        services.cancel_registration(actor=request.user, registration=registration)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Votre inscription est annulée."))
    return redirect("events:detail", registration.event_id)


# --- iCalendar ----------------------------------------------------------------------------------


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ICS)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def event_ics(request, event_id: int):
    event = _visible_event(request, event_id)
    return _ics_response(to_ics(event.title, [event]), f"evenement-{event.pk}.ics")


def _feed(request, name: str, filename: str, **extra):
    form = AgendaFilterForm(request.GET or None)
    start, end = selectors.feed_window()
    filters = form.filters(**extra)
    if filters.start is None:
        filters = selectors.EventFilters(
            **{**filters.__dict__, "start": start, "end": filters.end or end}
        )
    events = list(selectors.filter_events(None, filters)[:5000])
    return _ics_response(to_ics(name, events), filename)


def agenda_feed(request):
    """The public agenda as a feed, with the agenda's filters in the query string."""
    return _feed(request, _("Agenda des tiers-lieux — Maillage"), "agenda.ics")


def place_feed(request, slug: str):
    place = get_object_or_404(Place, slug=slug)
    return _feed(
        request, _("Agenda — %(place)s") % {"place": place.name}, f"{slug}.ics", place=place
    )


def network_feed(request, slug: str):
    network = get_object_or_404(Network, slug=slug)
    return _feed(
        request, _("Agenda — %(name)s") % {"name": network.name}, f"{slug}.ics", network=network
    )


def territory_feed(request, ref: str):
    try:
        territory = resolve_territory(ref)
    except UnknownTerritory:
        raise Http404(_("Territoire inconnu.")) from None
    return _feed(
        request,
        _("Agenda — %(name)s") % {"name": territory.name},
        f"{territory.level}-{territory.code}.ics",
        territory=territory,
    )


def own_feed(request, secret: str):
    feed = feed_for_secret(secret)
    if feed is None:
        raise Http404
    events, cancelled = selectors.own_feed_events(feed.user)
    return _ics_response(
        to_ics(_("Mes inscriptions — Maillage"), events, cancelled_ids=cancelled),
        "inscriptions.ics",
    )


@login_required
@require_POST
def new_own_feed(request):
    _feed_row, secret = create_event_feed(actor=request.user, user=request.user)
    url = request.build_absolute_uri(redirect("events:own_feed", secret).url)
    messages.success(
        request,
        _("Votre nouvelle adresse d'agenda (notez-la, elle ne sera plus affichée) : %(url)s")
        % {"url": url},
    )
    return redirect("members:my_space")


# --- staff --------------------------------------------------------------------------------------


def _managed_event(request, event_id: int) -> Event:
    event = _visible_event(request, event_id)
    if not can_manage_event(request.user, event):
        raise Http404(_("Événement introuvable."))
    return event


def _create_page(request, *, place: Place | None = None, network: Network | None = None):
    """The new-event page of a place or of a network (the same form and services)."""
    if not can_create_event(request.user, place=place, network=network):
        raise Http404
    zone = place.timezone if place is not None else PARIS
    form = EventForm(request.POST or None, place=place)
    if request.method == "POST" and form.is_valid():
        data = form.data_for_service(zone)
        weeks = form.cleaned_data.get("weeks") or 1
        try:
            if weeks > 1:
                events = services.create_weekly_events(
                    actor=request.user, place=place, network=network, data=data, weeks=weeks
                )
            else:
                events = [
                    services.create_event(
                        actor=request.user, place=place, network=network, data=data
                    )
                ]
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Événement créé."))
            return redirect("events:detail", events[0].pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "events/event_form.html",
        {"form": form, "place": place, "network": network, "zone": zone},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request, slug: str):
    return _create_page(request, place=get_object_or_404(Place, slug=slug))


@login_required
@require_http_methods(["GET", "POST"])
def network_create(request, slug: str):
    """A network's coordinators create its events (no room: at another address)."""
    return _create_page(request, network=get_object_or_404(Network, slug=slug))


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, event_id: int):
    event = _managed_event(request, event_id)
    form = EventForm(
        request.POST or None,
        place=event.place,
        editing=True,
        initial=EventForm.initial_for(event),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_event(
                actor=request.user, event=event, data=form.data_for_service(event.timezone)
            )
        except ValidationFailed as exc:
            form.add_service_errors(exc.errors)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Événement enregistré ; les inscrit·es sont prévenu·es."))
            return redirect("events:detail", event.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "events/event_form.html",
        {
            "form": form,
            "place": event.place,
            "network": event.network,
            "event": event,
            "zone": event.timezone,
        },
        status=status,
    )


@login_required
@require_POST
def cancel_event(request, event_id: int):
    event = _managed_event(request, event_id)
    form = CancelEventForm(request.POST)
    form.is_valid()
    try:
        services.cancel_event(
            actor=request.user, event=event, reason=form.cleaned_data.get("reason", "")
        )
    except (Conflict, ValidationFailed) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Événement annulé ; les inscrit·es sont prévenu·es."))
    return redirect("events:detail", event.pk)


@login_required
@require_http_methods(["GET", "POST"])
def roll_call(request, event_id: int):
    """The registrations of an event: attendance, cancellations, registering someone."""
    event = _managed_event(request, event_id)
    someone = SomeoneRegistrationForm(prefix="someone")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "register":
                someone = SomeoneRegistrationForm(request.POST, prefix="someone")
                if not someone.is_valid():
                    raise ValidationFailed([])
                services.register(
                    actor=request.user,
                    event=event,
                    name=someone.cleaned_data["name"],
                    email=someone.cleaned_data["email"],
                )
            else:
                registration = get_object_or_404(
                    Registration.objects.select_related("event", "user"),
                    pk=request.POST.get("registration"),
                    event=event,
                )
                if action == "attendance":
                    form = AttendanceForm(request.POST)
                    if not form.is_valid():
                        raise ValidationFailed([])
                    services.mark_attendance(
                        actor=request.user,
                        registration=registration,
                        attendance=form.cleaned_data["attendance"],
                    )
                elif action == "cancel":
                    services.cancel_registration(actor=request.user, registration=registration)
                else:
                    raise Http404
        except ValidationFailed as exc:
            if action == "register":
                someone.add_service_errors(exc.errors)
            status = 400
        except Conflict as exc:
            messages.error(request, str(exc))
            status = 409
        except PermissionDenied:
            raise
        else:
            return redirect("events:roll_call", event.pk)
    _localise([event])
    registrations = list(selectors.registrations_for(event))
    positions = selectors.waiting_positions(event)
    for registration in registrations:
        registration.position = positions.get(registration.pk)
    return render(
        request,
        "events/roll_call.html",
        {
            "event": event,
            "registrations": registrations,
            "someone": someone,
            "attendance_choices": AttendanceForm.base_fields["attendance"].choices,
        },
        status=status,
    )
