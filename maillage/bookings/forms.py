"""The booking form of the week page: a date and two times, read on the place's clock."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.common.errors import FieldError


class SlotForm(forms.Form):
    """Date, start and end of a booking; `range_in(zone)` gives the aware instants."""

    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=_("Début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    # Where the booking service's messages go: its field names to this form's.
    SERVICE_FIELDS = {"start": "start", "end": "end", "day": "day", "date": "day"}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("La fin doit venir après le début."))
        return cleaned

    def range_in(self, zone) -> tuple[datetime, datetime]:
        day = self.cleaned_data["day"]
        return (
            datetime.combine(day, self.cleaned_data["start"], tzinfo=zone),
            datetime.combine(day, self.cleaned_data["end"], tzinfo=zone),
        )

    def add_service_errors(self, errors: list[FieldError]) -> None:
        """Show a service's refusals next to the field they are about (or above the form)."""
        for error in errors:
            self.add_error(self.SERVICE_FIELDS.get(error.field), str(error.message))
