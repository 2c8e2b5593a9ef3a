"""The forms of the event pages: the agenda's filters, registering, and the staff's event form
(times read on the place's clock)."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from maillage.bookings.models import Qualification, Resource
from maillage.common.errors import FieldError
from maillage.territories.models import Territory
from maillage.territories.selectors import UnknownTerritory, resolve_territory

from .models import Attendance, Category, LocationKind, Visibility
from .selectors import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, EventFilters, day_start


class ServiceErrorsMixin:
    def add_service_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            field = error.field if error.field in self.fields else None  # type: ignore[attr-defined]
            self.add_error(field, str(error.message))  # type: ignore[attr-defined]


class AgendaFilterForm(forms.Form):
    """The agenda's filters, read from the query string (GET: the page works without JS)."""

    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    categorie = forms.MultipleChoiceField(
        label=_("Catégorie"),
        choices=Category.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    territoire = forms.CharField(
        label=_("Territoire"),
        required=False,
        max_length=30,
        help_text=_("Un code : 64 (département), 75 (région), 64445 (commune)…"),
    )
    pres_de = forms.CharField(
        label=_("Près de la commune (code INSEE)"), required=False, max_length=9
    )
    rayon = forms.FloatField(
        label=_("Rayon (km)"),
        required=False,
        min_value=1,
        max_value=MAX_RADIUS_KM,
        widget=forms.NumberInput(attrs={"placeholder": str(int(DEFAULT_RADIUS_KM))}),
    )
    gratuit = forms.BooleanField(label=_("Gratuit seulement"), required=False)
    places_libres = forms.BooleanField(label=_("Avec des places libres"), required=False)

    def clean_territoire(self):
        ref = self.cleaned_data["territoire"].strip()
        if not ref:
            return None
        try:
            return resolve_territory(ref)
        except UnknownTerritory as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_pres_de(self):
        code = self.cleaned_data["pres_de"].strip().upper()
        if not code:
            return None
        commune = Territory.objects.filter(level=Territory.Level.COMMUNE, code=code).first()
        if commune is None or commune.latitude is None:
            raise forms.ValidationError(_("Aucune commune pour ce code INSEE."))
        return commune

    def filters(self, **extra) -> EventFilters:
        data = self.cleaned_data if self.is_valid() else {}
        start = data.get("du")
        end = data.get("au")
        values = {
            "start": day_start(start) if start else None,
            "end": day_start(end).replace(hour=23, minute=59, second=59) if end else None,
            "categories": tuple(data.get("categorie") or ()),
            "territory": data.get("territoire"),
            "near": data.get("pres_de"),
            "radius_km": data.get("rayon") or DEFAULT_RADIUS_KM,
            "free_only": bool(data.get("gratuit")),
            "has_seats": bool(data.get("places_libres")),
        }
        # What the page fixes (its place, network, territory) wins over the query string.
        values.update({name: value for name, value in extra.items() if value is not None})
        return EventFilters(**values)


class GuestRegistrationForm(ServiceErrorsMixin, forms.Form):
    name = forms.CharField(label=_("Votre nom"), max_length=150)
    email = forms.EmailField(label=_("Votre adresse électronique"))


class SomeoneRegistrationForm(ServiceErrorsMixin, forms.Form):
    """Staff register someone else (confirmed at once)."""

    name = forms.CharField(label=_("Nom"), max_length=150)
    email = forms.EmailField(label=_("Adresse électronique"))


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(label=_("Présence"), choices=Attendance.choices)


class CancelEventForm(ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=_("Motif (envoyé aux inscrit·es)"), max_length=300, required=False
    )


class EventForm(ServiceErrorsMixin, forms.Form):
    """An event of a place, or of a network (`place=None`: no room, no qualification, held at
    another address); `data_for_service(zone)` gives the services' values."""

    title = forms.CharField(label=_("Titre"), max_length=200)
    category = forms.ChoiceField(label=_("Catégorie"), choices=Category.choices)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown : **gras**, *italique*, listes, liens."),
    )
    day = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(
        label=_("Début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("Fin"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    weeks = forms.IntegerField(
        label=_("Répéter chaque semaine (nombre de séances)"),
        min_value=1,
        max_value=52,
        initial=1,
        required=False,
    )
    location_kind = forms.ChoiceField(label=_("Où"), choices=LocationKind.choices)
    room = forms.ModelChoiceField(
        label=_("Salle"), queryset=Resource.objects.none(), required=False
    )
    address = forms.CharField(label=_("Autre adresse"), max_length=250, required=False)
    capacity = forms.IntegerField(label=_("Nombre de places"), min_value=1, max_value=100_000)
    visibility = forms.ChoiceField(label=_("Ouvert à"), choices=Visibility.choices)
    price_euros = forms.DecimalField(
        label=_("Prix (€, 0 si gratuit)"), min_value=0, max_digits=8, decimal_places=2, initial=0
    )
    audience = forms.CharField(label=_("Public visé"), max_length=200, required=False)
    accessibility = forms.CharField(
        label=_("Accessibilité"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    registration_closes_at = forms.DateTimeField(
        label=_("Clôture des inscriptions (facultatif)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    qualification = forms.ModelChoiceField(
        label=_("Habilitation délivrée aux présent·es (formation)"),
        queryset=Qualification.objects.none(),
        required=False,
    )

    SERVICE_FIELDS = {"price_cents": "price_euros", "weeks": "weeks"}

    def __init__(self, *args, place, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.place = place
        if place is None:
            # A network has no rooms nor qualifications of its own: its events are held at an
            # address (events.services refuses anything else for them).
            del self.fields["room"]
            del self.fields["qualification"]
            self.fields["location_kind"].choices = [
                (LocationKind.ADDRESS.value, LocationKind.ADDRESS.label)
            ]
            self.fields["address"].required = True
        else:
            self.fields["room"].queryset = Resource.objects.filter(place=place, is_active=True)
            self.fields["qualification"].queryset = Qualification.objects.filter(place=place)
        if editing:
            del self.fields["weeks"]

    def data_for_service(self, zone) -> dict:
        data = self.cleaned_data
        closes = data.get("registration_closes_at")
        if closes is not None:
            closes = closes.replace(tzinfo=zone)
        return {
            "title": data["title"],
            "category": data["category"],
            "description": data["description"],
            "start": datetime.combine(data["day"], data["start"], tzinfo=zone),
            "end": datetime.combine(data["day"], data["end"], tzinfo=zone),
            "location_kind": data["location_kind"],
            "room": data.get("room"),
            "address": data.get("address", ""),
            "capacity": data["capacity"],
            "visibility": data["visibility"],
            "price_cents": int(data["price_euros"] * 100),
            "audience": data.get("audience", ""),
            "accessibility": data.get("accessibility", ""),
            "registration_closes_at": closes,
            "qualification": data.get("qualification"),
        }

    def add_service_errors(self, errors: list[FieldError]) -> None:
        for error in errors:
            name = self.SERVICE_FIELDS.get(error.field, error.field)
            if name in ("start", "end") and name not in self.fields:
                name = "day"
            self.add_error(name if name in self.fields else None, str(error.message))

    @classmethod
    def initial_for(cls, event) -> dict:
        zone = event.timezone
        start, end = event.start.astimezone(zone), event.end.astimezone(zone)
        return {
            "title": event.title,
            "category": event.category,
            "description": event.description,
            "day": start.date(),
            "start": start.time(),
            "end": end.time(),
            "location_kind": event.location_kind,
            "room": event.room_id,
            "address": event.address,
            "capacity": event.capacity,
            "visibility": event.visibility,
            "price_euros": event.price_cents / 100,
            "audience": event.audience,
            "accessibility": event.accessibility,
            "registration_closes_at": (
                event.registration_closes_at.astimezone(zone).replace(tzinfo=None)
                if event.registration_closes_at
                else None
            ),
            "qualification": event.qualification_id,
        }
