"""Forms of the place pages: the edit form and the list page's search parameters.

The edit form only shapes input; `validation.clean_place_input` — the validator of the API and
the imports — decides what is valid, and its errors are shown next to the fields.
"""

import re
from dataclasses import dataclass, field

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.common.text import control_characters_message, fold, has_control_characters
from maillage.territories.models import Territory
from maillage.territories.selectors import CommuneIndex

from .fields import Kind, PlaceField, View, fields_for
from .filters import filters_from_params
from .models import Place
from .selectors import PlaceFilters
from .services import clean_place_from_instance
from .templatetags.places_tags import phone_national
from .validation import clean_place_input

LIST_SEPARATORS = re.compile(r"[\n|]")
MAX_PAGE_DIGITS = 9
# Homonyms listed when a commune name is ambiguous (there are 20-odd "Saint-Martin").
MAX_HOMONYMS = 10
# The fields of the list page's filter form, in their order on the page.
SEARCH_FIELDS = (
    "q",
    "kind",
    "service",
    "status",
    "territory",
    "open_now",
    "near_commune",
    "near",
    "radius_km",
)


def _optional(choices) -> list[tuple[str, str]]:
    return [("", gettext_lazy("— non renseigné —")), *choices]


# Form fields of the texts typed in one line, by the kind of value (places.fields.Kind).
_LINE_KINDS = frozenset(
    {
        Kind.TEXT,
        Kind.POSTAL_CODE,
        Kind.INSEE_CODE,
        Kind.HOURS,
        Kind.URL,
        Kind.EMAIL,
        Kind.PHONE,
        Kind.SIRET,
    }
)
_NUMBER_KINDS = frozenset({Kind.FLOAT, Kind.INTEGER})


def form_field(field: PlaceField) -> forms.Field:
    """The edit form's field for a registry field. Every value is typed as text (numbers
    included) and checked by the validator, which gives the messages; only a status must be
    chosen on the form itself."""
    common = {"label": field.label, "help_text": field.help_text}
    if field.kind == Kind.CODES:
        return forms.MultipleChoiceField(
            choices=field.choices.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            **common,
        )
    if field.kind == Kind.CODE:
        choices = field.choices.choices
        if field.optional:
            return forms.ChoiceField(choices=_optional(choices), required=False, **common)
        return forms.ChoiceField(choices=choices, **common)
    if field.kind == Kind.LONG_TEXT:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), required=False, **common)
    if field.kind == Kind.LABELS:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, **common)
    if field.kind in _LINE_KINDS:
        max_length = field.input_max_length or field.max_length
        return forms.CharField(max_length=max_length, required=False, **common)
    if field.kind in _NUMBER_KINDS:
        return forms.CharField(required=False, **common)
    raise ValueError(f"No form field for {field.name} ({field.kind}).")


class _PlaceFormBase(forms.Form):
    """Every editable field of a place (places.fields, the `form` view; see PlaceForm).
    `changes` holds the input for the place services."""

    def __init__(self, *args, place: Place | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.place = place
        self.changes: dict = {}
        for declared in fields_for(View.FORM):
            attrs = self.fields[declared.name].widget.attrs
            if declared.required and declared.kind != Kind.CODES:
                # Said to browsers (and assistive technologies), checked by the validator.
                attrs["required"] = True
            if declared.kind in _NUMBER_KINDS:
                attrs["inputmode"] = "decimal"
        if place is not None and not self.is_bound:
            self.initial = {**place_initial(place), **self.initial}

    def clean(self):
        cleaned = super().clean()
        changes = {name: cleaned.get(name, "") for name in self.fields if name in PLACE_INPUTS}
        for name in ("services", "equipment"):
            changes[name] = LIST_SEPARATORS.split(cleaned.get(name) or "")
        base = clean_place_from_instance(self.place) if self.place is not None else None
        _clean, errors = clean_place_input(changes, communes=CommuneIndex(), base=base)
        for error in errors:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        self.changes = changes
        return cleaned


# The edit form: one field per registry field of the `form` view, in the registry's order.
PlaceForm = type(
    "PlaceForm",
    (_PlaceFormBase,),
    {
        "__module__": __name__,
        "__doc__": _PlaceFormBase.__doc__,
        **{field.name: form_field(field) for field in fields_for(View.FORM)},
    },
)
# The form fields that the validator reads (every field of PlaceForm).
PLACE_INPUTS = frozenset(PlaceForm.base_fields)


def place_initial(place: Place) -> dict:
    """The form's values for an existing place."""
    values = {name: getattr(place, name) for name in PLACE_INPUTS if hasattr(place, name)}
    values.update(
        kinds=[link.kind for link in place.kind_links.all()],
        services="\n".join(label.name for label in place.services.all()),
        equipment="\n".join(label.name for label in place.equipment.all()),
        phone=phone_national(place.phone),
        surface_m2="" if place.surface_m2 is None else place.surface_m2,
        capacity="" if place.capacity is None else place.capacity,
    )
    if place.location_precision == Place.LocationPrecision.COMMUNE:
        # Coordinates derived from the commune are not shown: saving them would make them exact.
        values.update(latitude="", longitude="")
    return values


class PlaceAdminForm(PlaceForm, forms.ModelForm):
    """The same form in the Django admin (roles are chosen on their own admin page)."""

    class Meta:
        model = Place
        fields: list[str] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.place = self.instance
            if not self.is_bound:
                self.initial.update(place_initial(self.instance))


@dataclass
class PlaceSearch:
    """The list page's parameters: what was typed, the filters, and errors by field."""

    params: QueryDict
    filters: PlaceFilters
    api_params: QueryDict
    errors: dict[str, list[str]] = field(default_factory=dict)
    page: int = 1  # 0 when the `page` parameter is not a page number

    def error_slots(self) -> list[tuple[str, list[str]]]:
        """(field, messages) for every field of the filter form, empty lists included."""
        return [(name, self.errors.get(name, [])) for name in SEARCH_FIELDS]

    def query_string(self, *, page: int) -> str:
        """The filled parameters as typed, for links to another page of the same search."""
        params = QueryDict(mutable=True)
        for name, values in self.params.lists():
            if name != "page" and (filled := [value for value in values if value.strip()]):
                params.setlist(name, filled)
        if page > 1:
            params["page"] = str(page)
        return params.urlencode()


def _communes_named(name: str) -> list[Territory]:
    """The communes with exactly this name (accents, case and hyphens aside), largest first."""
    return list(
        Territory.objects.filter(level=Territory.Level.COMMUNE, search_name=fold(name)).order_by(
            "-population", "code"
        )[:MAX_HOMONYMS]
    )


def _homonyms_message(name: str, communes: list[Territory]) -> str:
    return _(
        "Plusieurs communes s'appellent « %(name)s » : précisez le code INSEE (%(codes)s)."
    ) % {
        "name": name,
        "codes": ", ".join(
            f"{commune.code} — {commune.name} ({commune.departement_code})" for commune in communes
        ),
    }


def parse_place_search(params: QueryDict) -> PlaceSearch:
    """Read the list page's query string into filters.

    On top of the API's parameters (see `filters.filters_from_params`), the page accepts a
    commune name where the API wants a code: `territory=Pau` means `commune:64445`, and
    `near_commune` (a commune name or INSEE code) means `near=` its centre. A name shared by
    several communes is an error that lists their codes.
    """
    api_params = QueryDict(mutable=True)
    for name, values in params.lists():
        # Empty fields of a submitted form mean "no filter"; the page number is the page's own.
        if name not in {"page", "near_commune"} and (filled := [v for v in values if v.strip()]):
            api_params.setlist(name, filled)
    errors: dict[str, list[str]] = {}

    territory = params.get("territory", "").strip()
    # References (`departement:64`, `64`, `2A`) hold a colon or a digit; commune names do not.
    if territory and not any(char.isdigit() or char == ":" for char in territory):
        communes = _communes_named(territory)
        if len(communes) == 1:
            api_params["territory"] = communes[0].ref
        elif communes:
            errors["territory"] = [_homonyms_message(territory, communes)]
            del api_params["territory"]

    near_commune = params.get("near_commune", "").strip()
    if has_control_characters(near_commune):
        errors["near_commune"] = [control_characters_message()]
    elif near_commune and not params.get("near", "").strip():
        if any(char.isdigit() for char in near_commune):
            api_params["near"] = near_commune
        else:
            communes = _communes_named(near_commune)
            located = [commune for commune in communes if commune.latitude is not None]
            if len(located) == 1:
                api_params["near"] = f"{located[0].latitude},{located[0].longitude}"
            elif located:
                errors["near_commune"] = [_homonyms_message(near_commune, located)]
            else:
                errors["near_commune"] = [
                    _("Aucune commune ne s'appelle « %s ». Essayez son code INSEE.") % near_commune
                ]

    filters, field_errors = filters_from_params(api_params)
    for error in field_errors:
        # The point came from the commune field when the visitor typed a commune.
        name = "near_commune" if error.field == "near" and near_commune else error.field
        errors.setdefault(name, []).append(error.message)
        api_params.pop(error.field, None)
    page = params.get("page", "1").strip() or "1"
    # Not a page (the view answers 404): a number of more digits than any page could have.
    page = int(page) if page.isdigit() and len(page) <= MAX_PAGE_DIGITS else 0
    return PlaceSearch(
        params=params, filters=filters, api_params=api_params, errors=errors, page=page
    )
