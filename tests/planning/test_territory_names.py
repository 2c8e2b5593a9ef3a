"""The planning form and the coverage page take a territory by its name, with suggestions, and
without JavaScript resolve the name typed; their messages carry no code syntax."""

import re

import pytest

from maillage.planning.models import PlanJob
from maillage.territories.models import Territory
from tests.accounts.factories import UserFactory
from tests.pages.page_helpers import parse, text

pytestmark = pytest.mark.django_db

PLAN_FORM = {
    "kind": "fablab",
    "radius_km": "10",
    "n_new": "1",
    "objective": "coverage",
    "method": "greedy",
}
# What the messages must never show: `departement:64`, `commune:64445`…
CODE_SYNTAX = re.compile(r"\b(commune|epci|departement|region):")


def _field_text(page, name: str) -> str:
    return text(page.find("input", attrs={"name": name}).parent)


@pytest.mark.parametrize(
    "typed",
    ["Pyrénées-Atlantiques", "pyrenees atlantiques", "Pyrénées-Atlantiques (département)", "64"],
)
def test_plan_form_accepts_a_name(client, fablab_pau, typed):
    client.force_login(UserFactory())
    response = client.post("/analyse/planifier/", {**PLAN_FORM, "territory": typed})
    job = PlanJob.objects.get()
    assert response.status_code == 302
    assert (job.territory.level, job.territory.code) == ("departement", "64")


def test_plan_form_field_suggests_territories_with_htmx(client):
    client.force_login(UserFactory())
    page = parse(client.get("/analyse/planifier/"))
    field = page.find("input", attrs={"name": "territory"})
    assert field["hx-get"] == "/territoires/suggestions/"
    assert field["hx-vals"] == '{"for": "territory"}'
    assert field["list"] == "id_territory-options"
    assert field["hx-target"] == "#id_territory-options"
    assert page.find("datalist", id="id_territory-options") is not None
    help_text = text(field.parent)
    assert "Pyrénées-Atlantiques" in help_text
    assert not CODE_SYNTAX.search(help_text)
    scripts = [script["src"] for script in page.find_all("script", src=True)]
    assert "/static/django_htmx/htmx-2.min.js" in scripts


def test_plan_form_unknown_name_says_so_without_code_syntax(client):
    client.force_login(UserFactory())
    page = parse(client.post("/analyse/planifier/", {**PLAN_FORM, "territory": "Zorglub"}))
    message = _field_text(page, "territory")
    assert "Aucun territoire pour « Zorglub »" in message
    assert not CODE_SYNTAX.search(message)
    page = parse(client.post("/analyse/planifier/", {**PLAN_FORM, "territory": "region:99"}))
    assert not CODE_SYNTAX.search(_field_text(page, "territory").replace("region:99", ""))
    assert PlanJob.objects.count() == 0


def test_plan_form_ambiguous_name_lists_the_candidates(client):
    for code, departement in (("97127", "971"), ("05151", "05")):
        Territory.objects.create(
            level="commune",
            code=code,
            name="Saint-Martin",
            search_name="saint martin",
            population=100,
            departement_code=departement,
        )
    client.force_login(UserFactory())
    page = parse(client.post("/analyse/planifier/", {**PLAN_FORM, "territory": "saint martin"}))
    message = _field_text(page, "territory")
    assert (
        "Plusieurs territoires répondent à « saint martin » : Saint-Martin (05), "
        "Saint-Martin (971). Choisissez-en un parmi les suggestions."
    ) in message
    assert not CODE_SYNTAX.search(message)
    assert PlanJob.objects.count() == 0


def test_coverage_page_offers_another_territory_by_name(client):
    page = parse(client.get("/analyse/couverture/departement/64/"))
    form = page.find("form", attrs={"action": "/analyse/couverture/"})
    field = form.find("input", attrs={"name": "territory"})
    assert (field["hx-get"], field["list"]) == (
        "/territoires/suggestions/",
        "coverage-territory-options",
    )


@pytest.mark.parametrize(
    ("typed", "location"),
    [
        ("Paris (75)", "/analyse/couverture/commune/75056/"),
        ("paris", "/analyse/couverture/departement/75/"),
        ("Nouvelle Aquitaine", "/analyse/couverture/region/75/"),
        ("64445", "/analyse/couverture/commune/64445/"),
    ],
)
def test_coverage_search_goes_to_the_territory_named(client, typed, location):
    response = client.get("/analyse/couverture/", {"territory": typed})
    assert (response.status_code, response["Location"]) == (302, location)


def test_coverage_search_lists_candidates_or_explains(client):
    page = parse(client.get("/analyse/couverture/", {"territory": "pa"}))
    links = [(text(a), a["href"]) for a in page.select("ul.territory-choices a")]
    assert links == [
        ("Paris", "/analyse/couverture/departement/75/"),
        ("Paris", "/analyse/couverture/commune/75056/"),
        ("Pau", "/analyse/couverture/commune/64445/"),
        ("CA Pau Béarn Pyrénées", "/analyse/couverture/epci/200067254/"),
    ]
    page = parse(client.get("/analyse/couverture/", {"territory": "zorglub"}), 400)
    assert text(page.find(id="coverage-territory-error")) == (
        "Aucun territoire ne s'appelle « zorglub ». Tapez le début de son nom, ou son code INSEE."
    )
