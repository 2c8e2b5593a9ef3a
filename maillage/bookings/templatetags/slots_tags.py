"""`{% slot_cell cell %}`: one slot of a week or day grid as a table cell.

A grid has one cell per slot and resource (a place's 30 resources over a day: 720 cells); an
`{% include %}` per cell made the staff's day view spend most of its time entering templates
(issue 8 §7 asks for it in under 100 ms). This tag writes the same markup from Python, every
text still translated and every value escaped by `format_html`.
"""

from django import template
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..grid import FREE, PAST, TAKEN, Cell

register = template.Library()


def _people(cell: Cell, *, runs_place: bool, user_id: int | None) -> SafeString:
    """Who holds the slot: names for the place's staff, « Votre réservation » for the person's
    own booking, nothing for anyone else's."""
    parts = []
    for booking in cell.bookings:
        if runs_place:
            user = booking.user
            name = (user.get_full_name() or user.get_username()) if user else _("compte supprimé")
            seats = f" ×{booking.seats}" if booking.seats > 1 else ""
            parts.append(format_html('<span class="slot-person">{}{}</span>', name, seats))
        elif booking.user_id and booking.user_id == user_id:
            parts.append(
                format_html('<span class="slot-person slot-mine">{}</span>', _("Votre réservation"))
            )
    return mark_safe("".join(parts))  # noqa: S308 - each part built by format_html


def _when(cell: Cell) -> str:
    start = timezone.localtime(cell.start)
    return _("le %(day_words)s à %(start)s") % {
        "day_words": date_format(start, "l j F"),
        "start": time_format(start, "H:i"),
    }


@register.simple_tag(takes_context=True)
def slot_cell(
    context, cell: Cell, book_url: str = "", runs_place: bool | None = None
) -> SafeString:
    """The `<td>` of `cell`. Free slots link to `book_url` when given (the booking form,
    prefilled); the staff (`runs_place`, else the page's) see who booked; `user_id` (the
    page's) sees its own bookings as such."""
    if runs_place is None:
        runs_place = bool(context.get("runs_place"))
    user_id = context.get("user_id")
    if cell.state == FREE:
        if cell.seats_left > 1:
            label = ngettext(
                "%(seats)s place libre", "%(seats)s places libres", cell.seats_left
            ) % {"seats": cell.seats_left}
        else:
            label = _("Libre")
        people = _people(cell, runs_place=runs_place, user_id=user_id)
        if not book_url:
            return format_html('<td class="slot slot-free">{}{}</td>', label, people)
        return format_html(
            '<td class="slot slot-free"><a href="{}">{}<span class="sr-only"> — {}</span></a>'
            "{}</td>",
            book_url,
            label,
            _("réserver %(when)s") % {"when": _when(cell)},
            people,
        )
    if cell.state == TAKEN:
        if runs_place:
            held = _people(cell, runs_place=True, user_id=user_id)
        elif any(b.user_id and b.user_id == user_id for b in cell.bookings):
            held = format_html('<span class="slot-mine">{}</span>', _("Votre réservation"))
        else:
            held = format_html("<span>{}</span>", _("Réservé"))
        return format_html('<td class="slot slot-taken">{}</td>', held)
    if cell.state == PAST:
        people = _people(cell, runs_place=runs_place, user_id=user_id)
        if cell.bookings:
            return format_html('<td class="slot slot-past">{}</td>', people)
        return format_html(
            '<td class="slot slot-past">{}<span class="sr-only">{}</span></td>', people, _("passé")
        )
    return format_html(  # CLOSED
        '<td class="slot slot-closed"><span class="sr-only">{}</span></td>', _("fermé")
    )
