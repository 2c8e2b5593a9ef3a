"""Pages of bookings: a resource's week, booking from it, « Mes réservations », a place's day and
dashboard for its staff, and the iCalendar feeds.

Views read parameters, check rights with `places.rules` and call the booking services (b1's
`services.py`, the one write path) or the feed services; every page reads a constant number of
rows whatever the number of bookings or resources (tested). Resources and bookings a person may
not see answer 404.
"""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from maillage.common.compression import never_compress
from maillage.common.errors import Conflict, PermissionDenied, ValidationFailed
from maillage.members.dashboard import render_sections
from maillage.places.models import Place
from maillage.places.rules import can_run_place, places_where

from . import calendar, feed_services, grid, services
from .forms import SeriesForm, SlotForm
from .models import BookableBy, Booking, BookingSeries, BookingStatus, CalendarFeed, Resource
from .rules import bookings_where
from .selectors import resources_bookable_by

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _parse_day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404(_("Date illisible : attendu AAAA-MM-JJ.")) from None


def _place_or_404(slug: str) -> Place:
    return get_object_or_404(Place, slug=slug)


def _run_place_or_404(request: HttpRequest, slug: str) -> Place:
    """A place the person runs; any other place answers 404 (as the API does)."""
    try:
        return places_where(request.user, can="run").get(slug=slug)
    except Place.DoesNotExist:
        raise Http404(_("Lieu introuvable.")) from None


def _visible_resource(request: HttpRequest, resource_id: int) -> tuple[Resource, bool]:
    """The resource and whether the person runs its place. Inactive resources are for staff."""
    resource = get_object_or_404(Resource.objects.select_related("place"), pk=resource_id)
    runs = can_run_place(request.user, resource.place)
    if not resource.is_active and not runs:
        raise Http404(_("Ressource introuvable."))
    return resource, runs


def _week_context(request: HttpRequest, resource: Resource, runs: bool, monday: date) -> dict:
    zone = resource.place.timezone
    start = datetime.combine(monday, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), datetime.min.time(), tzinfo=zone)
    bookings = list(
        Booking.objects.filter(
            resource=resource, status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
        ).select_related("user")
    )
    week = grid.week_grid(resource, monday, bookings, now=timezone.now())
    base = reverse("bookings:week", args=[resource.pk])
    if request.user.is_authenticated:
        for row in week.rows:
            for cell in row.cells:
                if cell.is_free:
                    day, start = cell.start.date().isoformat(), cell.start.strftime("%H:%M")
                    cell.link = f"{base}?semaine={day}&jour={day}&debut={start}#reserver"
    return {
        "resource": resource,
        "place": resource.place,
        "grid": week,
        "monday": monday,
        "sunday": monday + timedelta(days=6),
        "previous_url": f"{base}?semaine={(monday - timedelta(days=7)).isoformat()}",
        "next_url": f"{base}?semaine={(monday + timedelta(days=7)).isoformat()}",
        "this_week_url": base,
        "runs_place": runs,
        "user_id": request.user.pk if request.user.is_authenticated else None,
        "zone_name": zone.key,
        "feed_url": reverse("bookings:resource_feed", args=[resource.pk])
        if resource.bookable_by == BookableBy.PUBLIC and resource.is_active
        else None,
    }


def _render_week(
    request: HttpRequest,
    resource: Resource,
    runs: bool,
    monday: date,
    *,
    form: SlotForm,
    series_form: SeriesForm | None = None,
    series_conflicts: list | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _week_context(request, resource, runs, monday)
    context["form"] = form
    context["series_form"] = series_form or SeriesForm(initial=_series_initial(form))
    context["series_conflicts"] = series_conflicts
    partial = request.htmx and request.htmx.target == "grille-semaine"
    template = "bookings/_week_grid.html" if partial else "bookings/resource_week.html"
    with timezone.override(resource.place.timezone):
        response = render(request, template, context, status=status)
    # One URL answers a fragment to htmx and a page to everyone else: caches must tell them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
def resource_week(request: HttpRequest, resource_id: int) -> HttpResponse:
    """A resource's week as a grid of slots (`?semaine=` any day of the week, today's by
    default), with the booking form; htmx swaps the grid alone when moving between weeks."""
    resource, runs = _visible_resource(request, resource_id)
    today = timezone.localdate(timezone=resource.place.timezone)
    monday = grid.monday_of(_parse_day(request.GET.get("semaine"), today))
    initial = {"day": request.GET.get("jour") or None, "start": request.GET.get("debut") or None}
    if initial["start"] and not request.GET.get("fin"):
        try:
            step = timedelta(minutes=resource.slot_step_minutes)
            started = datetime.combine(
                date.min, datetime.strptime(initial["start"], "%H:%M").time()
            )
            initial["end"] = (
                started + max(step, timedelta(minutes=resource.min_duration_minutes))
            ).time()
        except (ValueError, OverflowError):
            initial["start"] = None
    return _render_week(request, resource, runs, monday, form=SlotForm(initial=initial))


def _series_initial(form: SlotForm) -> dict:
    """The series form starts from the single booking's date and hours (a clicked slot)."""
    return {name: form.initial.get(name) for name in ("day", "start", "end")}


def _service_refusal(form: SlotForm, exc: Exception) -> None:
    if isinstance(exc, ValidationFailed):
        form.add_service_errors(exc.errors)
    else:
        form.add_error(None, str(exc) or _("Vous ne pouvez pas réserver cette ressource."))


@login_required
@require_POST
def book(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Book the slot of the form through the booking service; its refusals are shown by field,
    in the person's language, and the page answers 400 (409 when the slot is taken)."""
    resource, runs = _visible_resource(request, resource_id)
    zone = resource.place.timezone
    form = SlotForm(request.POST)
    if form.is_valid():
        start, end = form.range_in(zone)
        try:
            booking = services.book(
                actor=request.user, resource=resource, user=request.user, start=start, end=end
            )
        except (ValidationFailed, Conflict, PermissionDenied) as exc:
            _service_refusal(form, exc)
            status = 409 if isinstance(exc, Conflict) else 400
            monday = grid.monday_of(start.date())
            return _render_week(request, resource, runs, monday, form=form, status=status)
        with timezone.override(zone):
            messages.success(
                request,
                _("Réservation confirmée : %(resource)s, le %(day)s de %(start)s à %(end)s.")
                % {
                    "resource": resource.name,
                    "day": booking.start.astimezone(zone).strftime("%d/%m/%Y"),
                    "start": booking.start.astimezone(zone).strftime("%H:%M"),
                    "end": booking.end.astimezone(zone).strftime("%H:%M"),
                },
            )
        return redirect("bookings:mine")
    day = form.cleaned_data.get("day") or timezone.localdate(timezone=zone)
    return _render_week(request, resource, runs, grid.monday_of(day), form=form, status=400)


@login_required
@require_POST
def book_series(request: HttpRequest, resource_id: int) -> HttpResponse:
    """Book the same hours every N weeks until a date (or N times) through `book_series`.

    First asked all or nothing: when some occurrences are taken, nothing is booked and the page
    answers 409 listing them by date, with a button (a form of hidden fields, no JavaScript)
    to book only the free ones (`mode=free_only`)."""
    resource, runs = _visible_resource(request, resource_id)
    zone = resource.place.timezone
    form = SeriesForm(request.POST)
    slot_form = SlotForm()
    if not form.is_valid():
        day = form.cleaned_data.get("day") or timezone.localdate(timezone=zone)
        return _render_week(
            request,
            resource,
            runs,
            grid.monday_of(day),
            form=slot_form,
            series_form=form,
            status=400,
        )
    start, end = form.range_in(zone)
    monday = grid.monday_of(start.date())
    try:
        result = services.book_series(
            actor=request.user,
            resource=resource,
            user=request.user,
            start=start,
            end=end,
            interval_weeks=form.cleaned_data["interval_weeks"],
            mode=form.cleaned_data["mode"],
            **form.series_bounds(),
        )
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        _service_refusal(form, exc)
        return _render_week(
            request, resource, runs, monday, form=slot_form, series_form=form, status=400
        )
    if not result.booked:
        conflicts = [
            {
                "start": conflict.start.astimezone(zone),
                "end": conflict.end.astimezone(zone),
                "reason": conflict.reason,
            }
            for conflict in result.conflicts
        ]
        return _render_week(
            request,
            resource,
            runs,
            monday,
            form=slot_form,
            series_form=form,
            series_conflicts=conflicts,
            status=409,
        )
    with timezone.override(zone):
        message = _(
            "Réservation récurrente confirmée : %(resource)s, %(count)s séance(s) du %(first)s "
            "au %(last)s."
        ) % {
            "resource": resource.name,
            "count": len(result.booked),
            "first": result.booked[0].start.astimezone(zone).strftime("%d/%m/%Y"),
            "last": result.booked[-1].start.astimezone(zone).strftime("%d/%m/%Y"),
        }
        if result.conflicts:
            message += " " + _("Non réservées (déjà prises) : %(days)s.") % {
                "days": ", ".join(
                    c.start.astimezone(zone).strftime("%d/%m/%Y") for c in result.conflicts
                )
            }
    messages.success(request, message)
    return redirect("bookings:mine")


@login_required
@require_POST
def cancel_series(request: HttpRequest, series_id: int) -> HttpResponse:
    """Cancel an occurrence of a series and the following ones (`from`: a booking of the
    series; without it, every coming one), through `services.cancel_series`."""
    series = get_object_or_404(
        BookingSeries.objects.select_related("resource__place"), pk=series_id
    )
    visible = bookings_where(request.user).filter(series=series)
    if not visible.exists():
        raise Http404(_("Réservation introuvable."))
    from_booking = None
    if request.POST.get("from"):
        from_booking = visible.filter(pk=request.POST["from"]).first()
        if from_booking is None:
            raise Http404(_("Réservation introuvable."))
    try:
        cancelled = services.cancel_series(
            actor=request.user, series=series, from_booking=from_booking
        )
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(
            request,
            _("%(count)s séance(s) de « %(resource)s » annulée(s).")
            % {"count": len(cancelled), "resource": series.resource.name},
        )
    return redirect(reverse("bookings:mine"))


def _own_booking_or_404(request: HttpRequest, booking_id: int) -> Booking:
    """A booking the person may see and change (`rules.bookings_where`); others are 404."""
    try:
        return (
            bookings_where(request.user)
            .select_related("resource__place", "user")
            .get(pk=booking_id)
        )
    except Booking.DoesNotExist:
        raise Http404(_("Réservation introuvable.")) from None


@never_cache
@login_required
def my_bookings(request: HttpRequest) -> HttpResponse:
    """« Mes réservations »: coming bookings (to change or cancel), the last month's, and the
    resources the person may book."""
    now = timezone.now()
    bookings = Booking.objects.filter(user=request.user).select_related("resource__place")
    coming = list(
        bookings.filter(end__gt=now, status=BookingStatus.CONFIRMED).order_by("start", "pk")
    )
    past = list(
        bookings.filter(start__gte=now - timedelta(days=31))
        .exclude(pk__in=[booking.pk for booking in coming])
        .order_by("-start", "-pk")[:50]
    )
    for booking in coming + past:
        zone = booking.resource.place.timezone
        booking.local_start = booking.start.astimezone(zone)
        booking.local_end = booking.end.astimezone(zone)
    resources = (
        resources_bookable_by(request.user).select_related("place").order_by("place__name", "name")
    )
    return render(
        request,
        "bookings/my_bookings.html",
        {"coming": coming, "past": past, "resources": resources},
    )


@login_required
@require_POST
def cancel(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Cancel a booking through the service (its deadline rule applies to members)."""
    booking = _own_booking_or_404(request, booking_id)
    try:
        services.cancel_booking(actor=request.user, booking=booking)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        messages.error(request, _refusal_text(exc))
    else:
        messages.success(request, _("La réservation « %s » est annulée.") % booking.resource.name)
    return redirect(request.POST.get("next") or reverse("bookings:mine"))


def _refusal_text(exc: Exception) -> str:
    if isinstance(exc, ValidationFailed):
        return " ".join(str(error.message) for error in exc.errors)
    return str(exc) or _("Cette action n'est pas permise.")


@login_required
@require_http_methods(["GET", "POST"])
def change(request: HttpRequest, booking_id: int) -> HttpResponse:
    """Move a booking to another slot of the same resource, through the service."""
    booking = _own_booking_or_404(request, booking_id)
    if booking.status != BookingStatus.CONFIRMED:
        raise Http404(_("Réservation introuvable."))
    zone = booking.resource.place.timezone
    local_start, local_end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    form = SlotForm(
        request.POST or None,
        initial={"day": local_start.date(), "start": local_start.time(), "end": local_end.time()},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            start, end = form.range_in(zone)
            try:
                services.change_booking(actor=request.user, booking=booking, start=start, end=end)
            except (ValidationFailed, Conflict, PermissionDenied) as exc:
                _service_refusal(form, exc)
                status = 409 if isinstance(exc, Conflict) else 400
            else:
                messages.success(request, _("La réservation est modifiée."))
                return redirect("bookings:mine")
    with timezone.override(zone):
        return render(
            request,
            "bookings/booking_change.html",
            {
                "booking": booking,
                "form": form,
                "local_start": local_start,
                "local_end": local_end,
                "zone_name": zone.key,
            },
            status=status,
        )


# --- iCalendar feeds -----------------------------------------------------------------------


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@require_GET
def resource_feed(request: HttpRequest, resource_id: int) -> HttpResponse:
    """The public feed of a resource anyone may book (when, never who); 404 for the others."""
    resource = get_object_or_404(
        calendar.public_resources().select_related("place"), pk=resource_id
    )
    return _ics(calendar.resource_feed(resource), f"ressource-{resource.pk}.ics")


@never_cache
@require_GET
def secret_feed(request: HttpRequest, secret: str) -> HttpResponse:
    """A person's bookings, or a place's for its staff, at their secret address (404 once it
    is revoked, or once its owner no longer runs the place)."""
    feed = feed_services.feed_for_secret(secret)
    if feed is None:
        raise Http404(_("Agenda introuvable : son adresse a peut-être été renouvelée."))
    if feed.place is None:
        return _ics(calendar.member_feed(feed.user), "mes-reservations.ics")
    content = calendar.place_feed(feed.place, language=calendar.recipient_language(feed.user))
    return _ics(content, f"reservations-{feed.place.slug}.ics")


@never_compress  # prints a secret: see maillage.common.compression
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def calendar_feeds(request: HttpRequest) -> HttpResponse:
    """The person's secret feed addresses: shown once when made; renewing one cuts the old one
    off, as does revoking it. Staff get one per place they run."""
    run = list(places_where(request.user, can="run", instance_wide=False).order_by("name"))
    created_url, created_place = None, None
    if request.method == "POST":
        place = None
        if request.POST.get("place"):
            place = next((p for p in run if str(p.pk) == request.POST["place"]), None)
            if place is None:
                raise Http404(_("Lieu introuvable."))
        if request.POST.get("action") == "revoke":
            feed_services.revoke_calendar_feed(actor=request.user, user=request.user, place=place)
            messages.success(request, _("L'adresse de cet agenda ne fonctionne plus."))
            return redirect("bookings:feeds")
        try:
            _feed, secret = feed_services.create_calendar_feed(
                actor=request.user, user=request.user, place=place
            )
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect("bookings:feeds")
        created_url = request.build_absolute_uri(reverse("bookings:secret_feed", args=[secret]))
        created_place = place
    live = {
        feed.place_id: feed
        for feed in CalendarFeed.objects.filter(user=request.user, revoked_at__isnull=True)
    }
    return render(
        request,
        "bookings/calendar_feeds.html",
        {
            "own_feed": live.get(None),
            "staff_feeds": [(place, live.get(place.pk)) for place in run],
            "created_url": created_url,
            "created_place": created_place,
            "created_own": created_url is not None and created_place is None,
        },
    )


# --- staff pages ---------------------------------------------------------------------------


@login_required
@require_GET
def place_day(request: HttpRequest, slug: str) -> HttpResponse:
    """Every resource of a place over one day (`?jour=`), with who booked, for its staff."""
    place = _run_place_or_404(request, slug)
    zone = place.timezone
    day = _parse_day(request.GET.get("jour"), timezone.localdate(timezone=zone))
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    resources = list(
        Resource.objects.filter(place=place, is_active=True)
        .select_related("place")
        .order_by("name")
    )
    bookings = list(
        Booking.objects.filter(
            resource__place=place, status=BookingStatus.CONFIRMED, start__lt=end, end__gt=start
        ).select_related("user")
    )
    base = reverse("bookings:place_day", args=[place.slug])
    context = {
        "place": place,
        "day": day,
        "grid": grid.day_grid(resources, day, bookings, zone=zone, now=timezone.now()),
        "previous_url": f"{base}?jour={(day - timedelta(days=1)).isoformat()}",
        "next_url": f"{base}?jour={(day + timedelta(days=1)).isoformat()}",
        "zone_name": zone.key,
    }
    partial = request.htmx and request.htmx.target == "grille-jour"
    template = "bookings/_day_grid.html" if partial else "bookings/place_day.html"
    with timezone.override(zone):
        response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@require_GET
def place_resources(request: HttpRequest, slug: str) -> HttpResponse:
    """A place's bookable resources, each with a link to its week."""
    place = _place_or_404(slug)
    runs = can_run_place(request.user, place)
    resources = Resource.objects.filter(place=place)
    if not runs:
        resources = resources.filter(is_active=True)
    return render(
        request,
        "bookings/place_resources.html",
        {"place": place, "resources": resources.order_by("name"), "runs_place": runs},
    )


@never_cache
@login_required
@require_GET
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    """A place's staff dashboard: the sections registered by the apps that run a place
    (`members.dashboard`), in their order."""
    place = _run_place_or_404(request, slug)
    with timezone.override(place.timezone):
        return render(
            request,
            "bookings/dashboard.html",
            {"place": place, "sections": render_sections(request, place)},
        )
