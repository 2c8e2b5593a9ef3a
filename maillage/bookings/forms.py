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


class ServiceErrorsMixin:
    """Show a service's `FieldError`s next to the form's field of the same name (or above)."""

    def add_service_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
            self.add_error(field, str(error.message))  # type: ignore[attr-defined]


class QualificationForm(ServiceErrorsMixin, forms.Form):
    """A new qualification of a place (`services.create_qualification`)."""

    name = forms.CharField(label=_("Nom"), max_length=120)
    training = forms.CharField(label=_("Formation requise"), max_length=200, required=False)
    validity_days = forms.IntegerField(
        label=_("Validité (jours)"),
        required=False,
        min_value=1,
        help_text=_("Laissez vide si l'habilitation n'expire pas."),
    )


class GrantForm(ServiceErrorsMixin, forms.Form):
    """Grant a qualification to one of the place's active members."""

    user = forms.ChoiceField(label=_("Membre"))
    expires_on = forms.DateField(
        label=_("Expire le"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Laissez vide pour la validité par défaut de l'habilitation."),
    )

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {str(membership.user_id): membership.user for membership in members}
        self.fields["user"].choices = [("", "—")] + [
            (key, user.get_full_name() or user.username) for key, user in self.members.items()
        ]

    def clean_user(self):
        return self.members[self.cleaned_data["user"]]


class ResourceForm(ServiceErrorsMixin, forms.Form):
    """The fields of `services.create_resource` / `update_resource`."""

    name = forms.CharField(label=_("Nom"), max_length=120)
    kind = forms.ChoiceField(label=_("Type"))
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea)
    capacity = forms.IntegerField(label=_("Capacité"), min_value=1, initial=1)
    opening_hours = forms.CharField(
        label=_("Horaires réservables"),
        max_length=500,
        required=False,
        help_text=_("Syntaxe OpenStreetMap, par ex. « Mo-Fr 09:00-18:00 » ; vide : ceux du lieu."),
    )
    min_duration_minutes = forms.IntegerField(
        label=_("Durée minimale (min)"), min_value=1, initial=30
    )
    max_duration_minutes = forms.IntegerField(
        label=_("Durée maximale (min)"), min_value=1, initial=480
    )
    slot_step_minutes = forms.IntegerField(
        label=_("Pas des créneaux (min)"), min_value=1, initial=30
    )
    max_advance_days = forms.IntegerField(
        label=_("Réservable jusqu'à (jours)"), min_value=0, initial=60
    )
    cancellation_deadline_hours = forms.IntegerField(
        label=_("Annulation jusqu'à (heures avant)"), min_value=0, initial=2
    )
    bookable_by = forms.ChoiceField(label=_("Réservable par"))
    member_price_cents_per_hour = forms.IntegerField(
        label=_("Prix membre (centimes/heure)"), min_value=0, initial=0
    )
    public_price_cents_per_hour = forms.IntegerField(
        label=_("Prix non-membre (centimes/heure)"), min_value=0, initial=0
    )
    required_qualification = forms.ChoiceField(label=_("Habilitation requise"), required=False)
    allowed_plans = forms.MultipleChoiceField(
        label=_("Formules autorisées"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Pour « réservable par : les membres de certaines formules »."),
    )
    is_active = forms.BooleanField(label=_("Réservable"), required=False, initial=True)

    def __init__(self, *args, qualifications=(), plans=(), **kwargs):
        from .models import BookableBy, ResourceKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ResourceKind.choices
        self.fields["bookable_by"].choices = BookableBy.choices
        self.qualifications = {str(q.pk): q for q in qualifications}
        self.fields["required_qualification"].choices = [("", _("Aucune"))] + [
            (key, q.name) for key, q in self.qualifications.items()
        ]

        self.plans = {str(plan.pk): plan for plan in plans}
        self.fields["allowed_plans"].choices = [(key, p.name) for key, p in self.plans.items()]

    def clean_allowed_plans(self):
        return [self.plans[key] for key in self.cleaned_data["allowed_plans"]]

    def clean_required_qualification(self):
        return self.qualifications.get(self.cleaned_data["required_qualification"])

    def service_fields(self) -> dict:
        """The cleaned values, as the services' keyword arguments."""
        values = dict(self.cleaned_data)
        values["description"] = values.get("description") or ""
        values["opening_hours"] = values.get("opening_hours") or ""
        return values


class SeriesForm(SlotForm):
    """A recurring booking: the first date and hours, how often, and until when (a date or a
    number of sessions); `mode` is `all_or_nothing` first, `free_only` when the person chose
    to book only the free occurrences after seeing the conflicts."""

    interval_weeks = forms.TypedChoiceField(
        label=_("Fréquence"),
        coerce=int,
        choices=[
            (1, _("toutes les semaines")),
            (2, _("toutes les 2 semaines")),
            (3, _("toutes les 3 semaines")),
            (4, _("toutes les 4 semaines")),
        ],
        initial=1,
    )
    ends = forms.ChoiceField(
        label=_("Fin de la série"),
        choices=[("until", _("à une date")), ("count", _("après un nombre de séances"))],
        widget=forms.RadioSelect,
        initial="until",
    )
    until = forms.DateField(
        label=_("Jusqu'au (inclus)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    count = forms.IntegerField(label=_("Nombre de séances"), required=False, min_value=1)
    mode = forms.ChoiceField(
        choices=[("all_or_nothing", "all_or_nothing"), ("free_only", "free_only")],
        initial="all_or_nothing",
        widget=forms.HiddenInput,
    )

    SERVICE_FIELDS = {**SlotForm.SERVICE_FIELDS, "until": "until", "count": "count"}

    # Names and ids distinct from the single booking's form on the same page.
    prefix = "serie"

    def clean(self):
        cleaned = super().clean()
        ends = cleaned.get("ends")
        if ends == "until" and not cleaned.get("until"):
            self.add_error("until", _("Donnez la date de la dernière séance."))
        if ends == "count" and not cleaned.get("count"):
            self.add_error("count", _("Donnez le nombre de séances."))
        return cleaned

    def series_bounds(self) -> dict:
        """The service's `until` or `count`, as the person chose."""
        if self.cleaned_data["ends"] == "count":
            return {"count": self.cleaned_data["count"]}
        return {"until": self.cleaned_data["until"]}
