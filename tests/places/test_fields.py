"""The place field registry (places.fields): it covers the model, and each of its views is
what the form, the validator, the writers, the API schemas and the formats use."""

import csv
import io
import json
from dataclasses import fields as dataclass_fields

import pytest
from bs4 import BeautifulSoup
from django.db import models
from django.db.models import JSONField
from django.urls import reverse

from maillage.api import api
from maillage.places import api as places_api
from maillage.places import bulk, selectors, services
from maillage.places.admin import PlaceAdmin
from maillage.places.fields import (
    BY_NAME,
    FIELDS,
    FORM_SECTIONS,
    Kind,
    Role,
    View,
    fields_for,
    names_for,
)
from maillage.places.formats import EXPORT_FIELDS, geojson, row_from_place
from maillage.places.formats.canonical import (
    CANONICAL_FIELDS,
    IGNORED_ON_IMPORT,
    MULTI_VALUED_FIELDS,
    REQUIRED_FIELDS,
    iter_places_csv,
)
from maillage.places.formats.schemaorg import place_jsonld
from maillage.places.forms import PlaceForm
from maillage.places.models import Place
from maillage.places.schemas import PlaceCreateIn, PlaceDetailOut, PlaceListItemOut, PlacePatchIn
from maillage.places.selectors import PlaceFilters, get_place, search_places
from maillage.places.validation import (
    CLEAN_FIELDS,
    MAX_LENGTHS,
    RULES,
    TEXT_FIELDS,
    CleanPlace,
    clean_place_input,
)
from maillage.territories.selectors import CommuneIndex
from tests.accounts.factories import AdminFactory
from tests.places.factories import make_place

RELATIONS = {"kind_links": "kinds", "services": "services", "equipment": "equipment"}


def test_names_are_unique():
    assert len(BY_NAME) == len(FIELDS)


def test_every_column_of_place_is_declared():
    """A column added to the model without its declaration fails here, and the reverse."""
    columns = {field.name for field in Place._meta.concrete_fields}
    assert columns == {field.name for field in FIELDS if field.column}


def test_every_relation_of_place_holding_its_data_is_declared():
    relations = {
        RELATIONS[field.name]
        for field in Place._meta.get_fields()
        if field.name in RELATIONS and (field.many_to_many or field.one_to_many)
    }
    stored = {field.name for field in FIELDS if field.role != Role.COMPUTED}
    assert relations == stored - {field.name for field in FIELDS if field.column}
    assert {
        field.name
        for field in FIELDS
        if field.kind in (Kind.CODES, Kind.LABELS) and not field.column
    } == relations


def test_declared_lengths_fit_their_columns():
    """The validator refuses what the database would: a declared length within the column's."""
    for field in FIELDS:
        if not field.column or field.max_length is None:
            continue
        column = Place._meta.get_field(field.name)
        if column.max_length is not None:
            assert field.max_length <= column.max_length, field.name
    for name in ("services", "equipment"):
        label = Place._meta.get_field(name).related_model._meta.get_field("name")
        assert BY_NAME[name].max_length == label.max_length


def test_declared_codes_are_the_columns_choices():
    for field in FIELDS:
        if field.column and field.kind == Kind.CODES:
            # A list of codes of the place itself: a JSON list, its codes checked by the validator.
            column = Place._meta.get_field(field.name)
            assert isinstance(column, JSONField) and column.default is list, field.name
            assert column.blank and not field.optional, field.name
        elif field.column and field.choices is not None:
            column = Place._meta.get_field(field.name)
            assert [code for code, _label in column.choices] == list(field.codes), field.name
            assert column.blank == field.optional, field.name
    kind = Place._meta.get_field("kind_links").related_model._meta.get_field("kind")
    assert [code for code, _label in kind.choices] == list(BY_NAME["kinds"].codes)


def test_enum_fields_have_choices_and_others_none():
    for field in FIELDS:
        assert (field.choices is not None) == (field.kind in (Kind.CODE, Kind.CODES)), field.name
        assert issubclass(field.choices or models.TextChoices, models.TextChoices)


def test_the_validator_and_the_writers_use_the_registry():
    assert names_for(View.CLEAN) == services.SCALAR_FIELDS
    assert TEXT_FIELDS == ("name", "description", "address", "city")
    assert {name: MAX_LENGTHS[name] for name in TEXT_FIELDS} == {
        name: BY_NAME[name].max_length for name in TEXT_FIELDS
    }
    # The validator's value object carries every clean field, the relations and the commune.
    assert {field.name for field in dataclass_fields(CleanPlace)} == {
        *names_for(View.CLEAN),
        "kinds",
        "services",
        "equipment",
        "commune",
    }
    # Every input reaches it (the INSEE code as the commune).
    assert set(names_for(View.WRITE)) - {"insee_code"} <= {
        field.name for field in dataclass_fields(CleanPlace)
    }
    assert names_for(View.IMPORTED) == bulk.UPDATED_FIELDS
    # Imports leave alone what the canonical format does not carry.
    for name in ("acceslibre_url", "surface_m2", "capacity", "slug", "source_updated_at"):
        assert name not in bulk.UPDATED_FIELDS
    assert set(names_for(View.CANONICAL, columns=True)) - {"uuid", "source_id"} <= set(
        bulk.UPDATED_FIELDS
    )


def test_clean_values_are_typed_and_defaulted_by_their_kind():
    types = {field.name: field.type for field in dataclass_fields(CleanPlace)}
    assert types["name"] is str and types["mobility"] == list[str]
    assert types["surface_m2"] == int | None and types["latitude"] == float | None
    blank, new_place = CleanPlace(), Place()
    for field in CLEAN_FIELDS:
        value = getattr(blank, field.name)
        if field.kind in (Kind.CODES, Kind.LABELS):
            assert value == [], field.name
        elif field.kind == Kind.CODE and not field.optional:
            assert value == getattr(new_place, field.name), field.name
        else:
            assert value in ("", None), field.name
    assert CleanPlace().kinds is not CleanPlace().kinds  # a list each
    assert CleanPlace(name="a", kinds=["fablab"]) == CleanPlace(name="a", kinds=["fablab"])


def test_the_fields_left_out_of_empty_digests_are_clean_values():
    """`added_after_first_digests` only means something for what a digest is made of."""
    late = [field for field in FIELDS if field.added_after_first_digests]
    assert late and all(View.CLEAN in field.views for field in late)


def test_every_input_of_the_validator_has_its_rule():
    """A new input of a kind the rules know needs nothing more; one of another kind fails here."""
    ruled = {field.name for kind, _rule in RULES for field in fields_for(View.WRITE, kinds=(kind,))}
    # The kinds of place and the location have rules of their own.
    own = {"kinds", "postal_code", "insee_code", "latitude", "longitude"}
    assert set(names_for(View.WRITE)) <= ruled | set(TEXT_FIELDS) | own


# A database: coordinates without a commune make the validator look the commune up by point.
@pytest.mark.django_db
@pytest.mark.parametrize("name", ["name", "description", "address"])
def test_the_validator_refuses_one_character_over_the_declared_length(name):
    limit = BY_NAME[name].max_length
    data = {"name": "Lieu", "kinds": ["fablab"], "latitude": 43.3, "longitude": -0.37}
    _clean, errors = clean_place_input({**data, name: "a" * limit}, communes=CommuneIndex())
    assert name not in {error.field for error in errors}
    _clean, errors = clean_place_input({**data, name: "a" * (limit + 1)}, communes=CommuneIndex())
    assert f"{limit} caractères au plus." in [e.message for e in errors if e.field == name]


def test_the_form_has_one_field_per_declaration_with_its_label():
    assert tuple(PlaceForm.base_fields) == names_for(View.FORM)
    for field in fields_for(View.FORM):
        form_field = PlaceForm.base_fields[field.name]
        assert form_field.label == field.label
        assert form_field.help_text == field.help_text
        if field.kind in (Kind.CODE, Kind.CODES):
            codes = [code for code, _label in form_field.choices]
            assert codes == ([""] if field.optional else []) + list(field.codes)


def test_every_form_field_has_one_slot_of_its_own_in_a_section():
    """A field added to the form without its `form` slot (or the reverse) fails here."""
    assert {field.name for field in FIELDS if field.form is not None} == set(names_for(View.FORM))
    placed = [field.name for _section, lines in FORM_SECTIONS for line in lines for field in line]
    assert sorted(placed) == sorted(names_for(View.FORM))
    slots = [field.form for field in FIELDS if field.form is not None]
    assert len(set(slots)) == len(slots)
    for _section, lines in FORM_SECTIONS:
        for line in lines:
            # One field across the form, or fields in the columns of a grid.
            columns = [field.form.column for field in line]
            assert columns == [None] or None not in columns, [field.name for field in line]


def test_the_admin_shows_the_form_s_sections():
    placed = [name for _title, options in PlaceAdmin.fieldsets for name in options["fields"]]
    assert sorted(placed) == sorted(names_for(View.FORM))
    assert [options["fields"] for _title, options in PlaceAdmin.fieldsets] == [
        tuple(field.name for line in lines for field in line) for _section, lines in FORM_SECTIONS
    ]
    titles = [title for title, _options in PlaceAdmin.fieldsets]
    assert titles == [None, *(section.label for section, _lines in FORM_SECTIONS[1:])]


@pytest.mark.django_db
def test_the_edit_page_shows_every_form_field_in_its_section(client):
    client.force_login(AdminFactory())
    page = BeautifulSoup(client.get(reverse("places:create")).content, "html.parser")
    form = page.select_one("form[method=post][novalidate]")
    titles = [title.get_text(strip=True) for title in form.find_all("h2")]
    assert titles == [str(section.label) for section, _lines in FORM_SECTIONS]
    names = [control["name"] for control in form.select("input, select, textarea")]
    shown = list(dict.fromkeys(name for name in names if name != "csrfmiddlewaretoken"))
    assert shown == [
        field.name for _section, lines in FORM_SECTIONS for line in lines for field in line
    ]


def test_the_api_schemas_are_the_registry_views():
    assert tuple(PlaceListItemOut.model_fields) == names_for(View.LIST)
    assert tuple(PlaceDetailOut.model_fields) == names_for(View.DETAIL)
    assert tuple(PlacePatchIn.model_fields) == names_for(View.WRITE)
    assert tuple(PlaceCreateIn.model_fields) == names_for(View.WRITE)
    required = {name for name, info in PlaceCreateIn.model_fields.items() if info.is_required()}
    assert required == {field.name for field in FIELDS if field.required}
    assert names_for(View.COMPACT, columns=True) == places_api.COMPACT_FIELDS
    assert set(places_api.DETAIL_FIELDS) == set(names_for(View.DETAIL, columns=True)) - {"commune"}
    assert names_for(View.LIST, columns=True) == selectors.LIST_FIELDS


def _schema_codes(schema: dict) -> list[str] | None:
    """The codes a property of the OpenAPI document lists, wherever the schema puts them."""
    if "enum" in schema:
        return schema["enum"]
    for key in ("items", "anyOf"):
        parts = schema.get(key)
        for part in parts if isinstance(parts, list) else [parts] if parts else []:
            if (codes := _schema_codes(part)) is not None:
                return codes
    return None


def test_the_openapi_document_lists_the_codes_of_every_enum_field():
    schemas = api.get_openapi_schema()["components"]["schemas"]
    for schema_name, view in (
        ("PlaceListItemOut", View.LIST),
        ("PlaceDetailOut", View.DETAIL),
        ("PlacePatchIn", View.WRITE),
        ("PlaceCreateIn", View.WRITE),
    ):
        properties = schemas[schema_name]["properties"]
        for field in fields_for(view):
            codes = _schema_codes(properties[field.name])
            if field.choices is None:
                assert codes is None, (schema_name, field.name)
            else:
                expected = [*field.codes, ""] if field.optional else list(field.codes)
                assert codes == expected, (schema_name, field.name)


def test_canonical_columns_are_the_canonical_view_key_first():
    assert CANONICAL_FIELDS[0] == "source_id"
    assert sorted(CANONICAL_FIELDS) == sorted(names_for(View.CANONICAL))
    assert set(REQUIRED_FIELDS) == {"source_id", *(f.name for f in FIELDS if f.required)}
    assert set(MULTI_VALUED_FIELDS) == {
        "kinds",
        "services",
        "equipment",
        "mobility",
        "audiences",
        "specific_support",
        "fees",
        "access_modes",
        "support_modes",
    }
    assert IGNORED_ON_IMPORT == ("uuid",)
    # Every exported column comes from the export rows.
    assert set(CANONICAL_FIELDS) <= {*EXPORT_FIELDS, *MULTI_VALUED_FIELDS}


@pytest.mark.django_db
def test_every_canonical_and_geojson_field_shows_in_the_exports():
    place = make_place(
        services=["Wifi"],
        equipment=["Four"],
        siret="73282932000074",
        wheelchair="yes",
        legal_form="association",
        email="contact@example.org",
        phone="05 59 00 00 00",
        website="https://example.org",
        opening_hours="Mo-Fr 09:00-18:00",
        description="Un lieu",
        address="2 rue Pasteur",
        postal_code="64000",
        city="Pau",
        fees=["free"],
        access_modes=["walk_in"],
    )
    rows = search_places(PlaceFilters(), fields=EXPORT_FIELDS).items
    [row] = rows
    header = next(csv.reader(io.StringIO("".join(iter_places_csv(rows)))))
    assert tuple(header) == CANONICAL_FIELDS
    [line] = csv.DictReader(io.StringIO("".join(iter_places_csv(rows))))
    assert line["uuid"] == str(place.uuid)

    properties = geojson.place_feature(row)["properties"]
    assert tuple(properties) == geojson.PROPERTY_FIELDS
    expected = {*names_for(View.GEOJSON), *names_for(View.CANONICAL)} - {"latitude", "longitude"}
    assert set(properties) == expected
    # The API's full GeoJSON asks the selector for every column its properties need.
    api_rows = search_places(PlaceFilters(), fields=geojson.GEOJSON_FIELDS).items
    assert set(geojson.place_feature(api_rows[0])["properties"]) == expected
    assert json.dumps(properties, default=str)

    jsonld = place_jsonld(row, "https://maillage.example")
    assert place_jsonld(row_from_place(get_place(place_id=place.pk)), "https://m.example/")
    for field in FIELDS:
        if field.schema_org and field.name in row:
            top = field.schema_org.split(".")[0]
            assert top in jsonld, field.name
    assert jsonld["@id"] == f"urn:uuid:{place.uuid}"
