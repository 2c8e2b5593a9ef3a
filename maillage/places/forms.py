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

from maillage.common.identifiers import is_insee_commune_code
from maillage.common.text import control_characters_message, has_control_characters
from maillage.territories.models import Territory
from maillage.territories.selectors import CommuneIndex, choose_territory, suggestion_label

from .fields import FORM_SECTIONS, Kind, PlaceField, View, fields_for
from .filters import CODE_LIST_PARAMS, filters_from_params
from .models import Place
from .selectors import PlaceFilters
from .services import clean_place_from_instance
from .templatetags.places_tags import phone_national
from .validation import clean_place_input

LIST_SEPARATORS = re.compile(r"[\n|]")
MAX_PAGE_DIGITS = 9
# Candidates listed when a territory name is ambiguous (there are 20-odd "Saint-Martin").
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
    *CODE_LIST_PARAMS,
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

    def sections(self) -> list[dict]:
        """The form's sections for the page (places.fields.FORM_SECTIONS): each its title and
        its lines, a line its bound fields and whether they share a grid."""
        return [
            {
                "title": section.label,
                "lines": [
                    {
                        "grid": line[0].form is not None and line[0].form.column is not None,
                        "fields": [self[field.name] for field in line],
                    }
                    for line in lines
                ],
            }
            for section, lines in FORM_SECTIONS
        ]

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
    # What a territory field shows once its text is resolved: "Pau (64)", not `commune:64445`.
    labels: dict[str, str] = field(default_factory=dict)
    # Candidates of an ambiguous territory field: (label, query string choosing it).
    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @property
    def shown(self) -> dict[str, str]:
        """The values the territory fields show: the resolved label, or what was typed."""
        return {
            name: self.labels.get(name) or self.params.get(name, "")
            for name in ("territory", "near_commune")
        }

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


def _choose(text: str, *, levels=()) -> tuple[Territory | None, list[str], list]:
    """(territory, errors, candidates) for a name typed in a territory field of the list."""
    choice = choose_territory(text, levels=levels, limit=MAX_HOMONYMS)
    if choice.territory is not None:
        return choice.territory, [], []
    if choice.candidates:
        return (
            None,
            [
                _("Plusieurs territoires répondent à « %s » : choisissez le vôtre dans la liste.")
                % text
            ],
            list(choice.candidates),
        )
    if levels:
        message = _(
            "Aucune commune ne s'appelle « %s ». Tapez le début de son nom et choisissez "
            "parmi les suggestions, ou donnez son code INSEE."
        )
    else:
        message = _(
            "Aucun territoire ne s'appelle « %s ». Tapez le début de son nom et choisissez "
            "parmi les suggestions, ou donnez son code INSEE."
        )
    return (
        None,
        [message % text],
        [],
    )


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

    labels: dict[str, str] = {}
    choices: dict[str, list[tuple[str, str]]] = {}

    def offer(name: str, candidates: list, value) -> None:
        if candidates:
            choices[name] = [
                (suggestion_label(candidate), _replaced(params, name, value(candidate)))
                for candidate in candidates
            ]

    territory = params.get("territory", "").strip()
    if territory and not has_control_characters(territory):
        found, errors_, candidates = _choose(territory)
        if found is not None:
            api_params["territory"] = found.ref
            labels["territory"] = suggestion_label(found)
        else:
            api_params.pop("territory", None)
            errors["territory"] = errors_
            offer("territory", candidates, lambda candidate: candidate.ref)

    near_commune = params.get("near_commune", "").strip()
    if has_control_characters(near_commune):
        errors["near_commune"] = [control_characters_message()]
    elif near_commune and not params.get("near", "").strip():
        if is_insee_commune_code(near_commune.upper()):
            api_params["near"] = near_commune
        else:
            found, errors_, candidates = _choose(near_commune, levels=(Territory.Level.COMMUNE,))
            if found is not None and found.latitude is not None:
                api_params["near"] = f"{found.latitude},{found.longitude}"
                labels["near_commune"] = suggestion_label(found)
            elif found is not None:
                errors["near_commune"] = [
                    _("La commune « %s » n'a pas de position connue.") % found.name
                ]
            else:
                errors["near_commune"] = errors_
                offer("near_commune", candidates, lambda candidate: candidate.code)

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
        params=params,
        filters=filters,
        api_params=api_params,
        errors=errors,
        page=page,
        labels=labels,
        choices=choices,
    )


def _replaced(params: QueryDict, name: str, value: str) -> str:
    """The filled parameters with `name` set to `value` (a choice among homonyms)."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        if key not in {"page", name} and (filled := [v for v in values if v.strip()]):
            query.setlist(key, filled)
    query[name] = value
    return query.urlencode()
