"""The national schema's closed lists as place fields (issue 12): mobility, audiences, specific
support, fees, access and support modes — validated, edited on the form, shown on the page in
French words, and typed in the API."""

import json
import re

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.accounts.services import create_api_token
from maillage.places.fields import BY_NAME, CODE_LIST_FIELDS, Kind, View, fields_for
from maillage.places.forms import place_initial
from maillage.places.validation import clean_place_input
from maillage.territories.selectors import CommuneIndex
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

LISTS = ("mobility", "audiences", "specific_support", "fees", "access_modes", "support_modes")
BASE = {"name": "Le Bus numérique", "kinds": ["digital_inclusion"], "insee_code": "64445"}


def test_the_six_lists_are_code_list_fields_of_the_registry():
    assert CODE_LIST_FIELDS == LISTS
    assert BY_NAME["mobility"].codes == ("fixed", "mobile")
    for name in LISTS:
        assert BY_NAME[name].kind == Kind.CODES and BY_NAME[name].column


def test_codes_are_kept_once_in_their_declared_order():
    clean, errors = clean_place_input(
        BASE | {"mobility": "Mobile|fixed|mobile", "fees": ["paid", "free"]},
        communes=CommuneIndex(),
    )
    assert errors == []
    assert clean.mobility == ["fixed", "mobile"]
    assert clean.fees == ["free", "paid"]
    assert clean.support_modes == []


def test_an_unknown_code_is_an_error_of_its_field_listing_the_codes():
    _clean, errors = clean_place_input(
        BASE | {"mobility": "bus", "access_modes": "walk_in|pigeon"}, communes=CommuneIndex()
    )
    by_field = {error.field: error.message for error in errors}
    assert set(by_field) == {"mobility", "access_modes"}
    assert "bus" in by_field["mobility"] and "fixed, mobile" in by_field["mobility"]
    assert by_field["access_modes"].startswith("Code(s) inconnu(s) : pigeon ;")


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(LISTS),
    picked=st.data(),
)
def test_any_choice_of_codes_validates_to_itself_in_order(name, picked):
    codes = BY_NAME[name].codes
    chosen = picked.draw(st.lists(st.sampled_from(codes), unique=True))
    clean, errors = clean_place_input(BASE | {name: chosen}, communes=CommuneIndex())
    assert errors == []
    assert getattr(clean, name) == [code for code in codes if code in chosen]


def test_a_new_place_says_nothing_and_an_update_keeps_what_it_does_not_change():
    place = make_place()
    assert [getattr(place, name) for name in LISTS] == [[]] * len(LISTS)
    place = make_place(name="Le Bus", mobility=["mobile"], fees=["free"])
    place.refresh_from_db()
    assert (place.mobility, place.fees) == (["mobile"], ["free"])


def _form_data(place, **changes):
    data = {key: ("" if value is None else value) for key, value in place_initial(place).items()}
    data.update(changes)
    return data


def test_the_form_offers_labelled_french_choices_and_saves_the_codes(client):
    manager = UserFactory()
    place = make_place(managers=[manager])
    client.force_login(manager)
    url = reverse("places:edit", args=[place.slug])
    page = client.get(url).content.decode()
    # Checkboxes in a fieldset whose legend is the field's label (what screen readers announce).
    assert re.search(r"<legend>Itinérance\s?:</legend>", page)
    assert 'type="checkbox" name="mobility" value="mobile"' in page
    assert "Lieu itinérant (bus, camion…)" in page
    assert "Dans un atelier collectif" in page
    response = client.post(
        url, _form_data(place, mobility=["mobile"], support_modes=["workshop", "remote"])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    place.refresh_from_db()
    assert place.mobility == ["mobile"]
    assert place.support_modes == ["workshop", "remote"]


def test_the_form_refuses_an_unknown_choice(client):
    manager = UserFactory()
    place = make_place(managers=[manager])
    client.force_login(manager)
    response = client.post(
        reverse("places:edit", args=[place.slug]), _form_data(place, fees=["sur_devis"])
    )
    assert response.status_code == 200
    assert "fees" in response.context["form"].errors
    place.refresh_from_db()
    assert place.fees == []


def test_the_page_shows_the_lists_in_french_words(client):
    place = make_place(
        mobility=["mobile"], fees=["free_conditional"], audiences=["seniors", "youth"]
    )
    page = client.get(reverse("places:detail", args=[place.slug])).content.decode()
    assert "Accueil et accompagnement" in page
    assert "Lieu itinérant (bus, camion…)" in page
    assert "Gratuit sous condition" in page
    assert "Jeunes, Seniors" in page  # in the declared order
    assert "free_conditional" not in page and ">mobile<" not in page
    bare = make_place(name="Sans listes")
    assert "Accueil et accompagnement" not in client.get(
        reverse("places:detail", args=[bare.slug])
    ).content.decode("utf-8")


def test_the_api_gives_and_takes_the_codes(client):
    place = make_place(mobility=["fixed", "mobile"], access_modes=["phone"])
    body = client.get(f"/api/v1/places/{place.pk}").json()
    assert body["mobility"] == ["fixed", "mobile"]
    assert body["access_modes"] == ["phone"]
    assert body["fees"] == []
    token = create_api_token(user=AdminFactory(), name="t")[1]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.patch(
        f"/api/v1/places/{place.pk}",
        data=json.dumps({"fees": ["paid"], "mobility": ["mobile"]}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["fees"], response.json()["mobility"]) == (["paid"], ["mobile"])
    refused = client.patch(
        f"/api/v1/places/{place.pk}",
        data=json.dumps({"fees": ["sur_devis"]}),
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422
    place.refresh_from_db()
    assert place.fees == ["paid"]


def test_the_openapi_document_lists_the_codes():
    from maillage.api import api

    schemas = api.get_openapi_schema()["components"]["schemas"]
    for field in fields_for(View.DETAIL, kinds=(Kind.CODES,)):
        if field.name == "kinds":
            continue
        prop = schemas["PlaceDetailOut"]["properties"][field.name]
        assert prop["type"] == "array"
        assert prop["items"]["enum"] == list(field.codes), field.name
