"""Analysis pages: the coverage section of territory pages, the planning form, a plan's page
and its downloads.
"""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common import jobs
from maillage.planning.models import PlanJob, PlanState
from maillage.planning.services import create_plan_job, start_plan_job
from tests.accounts.factories import AdminFactory, UserFactory
from tests.pages.page_helpers import parse, text
from tests.places.factories import make_place
from tests.territories.factories import set_outline, square

pytestmark = pytest.mark.django_db

SECTION = "/analyse/couverture/departement/64/"
HTMX = {"HX-Request": "true"}


def table_rows(table) -> list[list[str]]:
    return [
        [text(cell) for cell in row.find_all(["th", "td"])] for row in table.tbody.find_all("tr")
    ]


def caption_table(page, caption_start: str):
    for table in page.find_all("table"):
        if table.caption and text(table.caption).startswith(caption_start):
            return table
    raise AssertionError(f"no table {caption_start!r}")


# --- coverage section -----------------------------------------------------------------------------


def test_territory_page_loads_the_coverage_section(client):
    page = parse(client.get("/territoires/departement/64/"))
    section = page.find("section", id="coverage")
    assert section["hx-get"] == SECTION
    assert (section["hx-trigger"], section["hx-swap"]) == ("load", "outerHTML")
    # Without JavaScript, a link leads to the same figures on a page of their own.
    assert section.find("a", string="Voir l’analyse de couverture")["href"] == SECTION
    scripts = [script["src"] for script in page.find_all("script", src=True)]
    assert "/static/planning/analysis_maps.js" in scripts
    assert "/static/django_htmx/htmx-2.min.js" in scripts


def test_coverage_section_by_kind_and_radius(client, fablab_pau, coworking_lescar):
    response = client.get(SECTION, headers=HTMX)
    page = parse(response)
    assert page.find("html") is None  # only the section, swapped into the territory page
    table = caption_table(page, "Part de la population à moins de 5, 10 et 20 km")
    assert [text(th) for th in table.thead.find_all("th")] == [
        "Type de lieu",
        "Lieux ouverts du territoire",
        "Lieux ouverts pris en compte (France)",
        "≤ 5 km",
        "≤ 10 km",
        "≤ 20 km",
        "Distance moyenne",
        "Médiane",
        "90e centile",
    ]
    # 86,044 of 177,387 inhabitants live in Pau and Lescar, each with a place at its centre.
    assert table_rows(table) == [
        ["Tous les lieux", "2", "2", "48,5 %", "48,5 %", "48,5 %", "45,0 km", "85,9 km", "89,2 km"],
        [
            "Espace de coworking",
            *["1", "1", "5,9 %", "48,5 %", "48,5 %", "47,8 km", "85,9 km", "89,2 km"],
        ],
        ["Fablab", "1", "1", "42,7 %", "48,5 %", "48,5 %", "48,4 km", "91,9 km", "95,2 km"],
    ]
    assert page.find(id="commune-coverage-note") is None


def test_coverage_counts_the_territorys_own_open_places_apart_from_those_it_reaches(
    client, fablab_pau
):
    """A place in Paris counts for the analysis (the nearest place may lie outside) but not as
    the territory's own; a closed place in Pau counts for neither."""
    make_place(name="Fablab de Paris", insee_code="75056", latitude=48.8566, longitude=2.3522)
    make_place(name="Fablab fermé", status="closed")
    table = caption_table(parse(client.get(SECTION, headers=HTMX)), "Part de la population")
    assert [row[:3] for row in table_rows(table)] == [
        ["Tous les lieux", "1", "2"],
        ["Fablab", "1", "2"],
    ]


def test_a_commune_page_explains_that_its_coverage_is_all_or_nothing(client, fablab_pau):
    page = parse(client.get("/analyse/couverture/commune/64445/", headers=HTMX))
    note = text(page.find(id="commune-coverage-note"))
    assert note.startswith("Pau compte pour un seul point, son centre")
    assert "0 % ou 100 %" in note
    table = caption_table(page, "Part de la population")
    assert table_rows(table)[0][:4] == ["Tous les lieux", "1", "1", "100,0 %"]


def test_the_white_zone_map_draws_the_territory_outline_when_it_has_one(client, fablab_pau):
    set_outline("departement", "64", square(43.25, -0.75, half=0.6))
    map_element = parse(client.get(SECTION, headers=HTMX)).find(id="white-zones-map")
    assert map_element["data-outline-url"] == "/api/v1/territories/departement/64/outline"
    assert client.get(map_element["data-outline-url"]).status_code == 200


def test_coverage_section_shows_the_white_zones(client, fablab_pau):
    page = parse(client.get(SECTION, headers=HTMX))
    assert text(page.find(id="white-zones-summary")) == (
        "2 communes comptent des habitant·es à plus de 10 km d’un lieu : 91 343 personnes "
        "(51,5 % de la population)."
    )
    zones = caption_table(page, "Les 2 communes les plus peuplées sans lieu dans le rayon")
    assert table_rows(zones) == [["Bayonne", "64102", "51 411"], ["Anglet", "64024", "39 932"]]
    assert zones.find("a", string="Bayonne")["href"] == "/territoires/commune/64102/"
    map_element = page.find(id="white-zones-map")
    assert map_element["data-map"] == "zones"
    # The sample territories have no outline: the map is not sent looking for one.
    assert not map_element.has_attr("data-outline-url")
    assert json.loads(page.find(id="white-zones-data").string) == [
        [43.4929, -1.4748, 51411, "Bayonne", "64102"],
        [43.485, -1.5195, 39932, "Anglet", "64024"],
    ]
    plan_link = page.find("a", string="Planifier de nouveaux lieux dans ce territoire")
    assert plan_link["href"] == "/analyse/planifier/?territory=departement%3A64"


def test_white_zones_of_one_kind_at_another_radius(client, fablab_pau, coworking_lescar):
    """Pau is 6.69 km from the coworking of Lescar: beyond 5 km."""
    page = parse(client.get(SECTION, {"kind": "coworking", "radius_km": "5"}, headers=HTMX))
    zones = caption_table(page, "Les 3 communes")
    assert [row[0] for row in table_rows(zones)] == ["Pau", "Bayonne", "Anglet"]
    assert "Lieux pris en compte : Espace de coworking." in text(
        page.find(id="white-zones-summary")
    )
    form = page.find("form")
    assert (form["action"], form["hx-get"], form["hx-target"]) == (SECTION, SECTION, "#coverage")
    assert form.find("option", selected=True)["value"] == "coworking"


def test_coverage_section_without_white_zones(client):
    make_place(
        name="Bayonne", kinds=["fablab"], insee_code="64102", latitude=43.4929, longitude=-1.4748
    )
    make_place(name="Pau", kinds=["fablab"])
    page = parse(client.get(SECTION, {"radius_km": "10"}, headers=HTMX))
    assert text(page.find(id="white-zones-summary")) == (
        "Toute la population est à 10 km au plus d’un lieu ouvert."
    )
    assert page.find(id="white-zones-map") is None


def test_coverage_page_without_javascript(client, fablab_pau):
    page = parse(client.get(SECTION, {"kind": "fablab", "radius_km": "20"}))
    assert text(page.h1) == "Couverture : Pyrénées-Atlantiques (Département)"
    breadcrumb = [a["href"] for a in page.select("nav.breadcrumb a")]
    assert breadcrumb == ["/territoires/", "/territoires/departement/64/"]
    assert page.find(id="white-zones-map") is not None
    assert "/static/leaflet/leaflet.js" in [s["src"] for s in page.find_all("script", src=True)]


@pytest.mark.parametrize(
    "url", ["/analyse/couverture/canton/64/", "/analyse/couverture/region/99/"]
)
def test_coverage_of_an_unknown_territory_is_404(client, url):
    assert client.get(url).status_code == 404


def test_coverage_section_query_count_does_not_grow_with_places(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(SECTION, headers=HTMX).status_code == 200
        return len(context.captured_queries)

    make_place(name="Un", kinds=["fablab"])
    few = queries()
    for number in range(12):
        make_place(name=f"Lieu {number}", kinds=["fablab", "coworking"], insee_code="64102")
    # Territory, its communes, the open places, the territory's own counts by kind…
    assert queries() == few <= 7
    # A second request with the same data reads the figures from the cache.
    assert queries() == 3


# --- planning ------------------------------------------------------------------------------------

PLAN_FORM = {
    "territory": "64",
    "kind": "fablab",
    "radius_km": "10",
    "n_new": "1",
    "objective": "coverage",
    "method": "greedy",
}


def test_navigation_links_to_the_planning_page(client):
    nav = parse(client.get("/")).select_one("nav.main-nav")
    assert nav.find("a", string="Planifier")["href"] == "/analyse/planifier/"


def test_anonymous_visitors_are_asked_to_sign_in(client):
    page = parse(client.get("/analyse/planifier/"))
    assert page.select_one("main form") is None
    assert page.find("a", class_="button", string="Se connecter")["href"] == (
        "/comptes/connexion/?next=/analyse/planifier/"
    )
    response = client.post("/analyse/planifier/", PLAN_FORM)
    assert (response.status_code, response["Location"]) == (
        302,
        "/comptes/connexion/?next=/analyse/planifier/",
    )
    assert PlanJob.objects.count() == 0


def test_form_is_prefilled_from_the_territory_page(client):
    client.force_login(UserFactory())
    page = parse(
        client.get("/analyse/planifier/", {"territory": "departement:64", "kind": "fablab"})
    )
    assert page.find("input", attrs={"name": "territory"})["value"] == (
        "Pyrénées-Atlantiques (département)"
    )
    assert (
        page.find("select", attrs={"name": "kind"}).find("option", selected=True)["value"]
        == "fablab"
    )


def test_plan_flow_from_the_form_to_the_downloads(client, fablab_pau):
    client.force_login(UserFactory(username="claire"))
    response = client.post("/analyse/planifier/", PLAN_FORM)
    job = PlanJob.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/analyse/planifier/{job.pk}/")
    assert job.state == PlanState.SUCCEEDED

    page = parse(client.get(response["Location"]))
    assert text(page.h1) == f"Plan n° {job.pk} — Pyrénées-Atlantiques"
    status = page.find(id="plan-status")
    assert status.get("hx-get") is None  # finished: no more polling
    assert [text(li) for li in status.select("ul.figures li")] == [
        "177 387 habitant·es",
        "48,5 % à 10 km au plus d’un lieu aujourd’hui",
        "100,0 % avec les nouveaux lieux",
    ]
    sites = caption_table(page, "Lieux proposés")
    assert table_rows(sites) == [["1", "Anglet", "64024", "43,48500", "-1,51950", "91 343"]]
    assert json.loads(page.find(id="plan-sites-data").string) == job.result["chosen"]
    assert page.find(id="plan-map")["data-existing-url"] == (
        "/api/v1/places.geojson?compact=1&status=open&kind=fablab"
    )

    download = client.get(f"/analyse/planifier/{job.pk}/lieux.csv")
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert download["Content-Disposition"] == f'attachment; filename="plan-{job.pk}.csv"'
    assert download.content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM, for French Excel
    assert list(csv.reader(io.StringIO(download.content.decode("utf-8-sig")))) == [
        ["rank", "id", "name", "latitude", "longitude", "gain"],
        ["1", "64024", "Anglet", "43.485", "-1.5195", "91343"],
    ]
    geojson = client.get(f"/analyse/planifier/{job.pk}/lieux.geojson")
    assert geojson["Content-Type"] == "application/geo+json"
    assert json.loads(geojson.content) == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-1.5195, 43.485]},
                "properties": {"rank": 1, "id": "64024", "name": "Anglet", "gain": 91343},
            }
        ],
    }


def test_form_errors_are_shown_next_to_the_fields(client):
    client.force_login(UserFactory())
    page = parse(
        client.post(
            "/analyse/planifier/", {**PLAN_FORM, "territory": "zorglub", "radius_km": "900"}
        )
    )
    assert "Aucun territoire pour « zorglub »" in text(
        page.find("input", attrs={"name": "territory"}).parent
    )
    assert "au plus 200" in text(page.find("input", attrs={"name": "radius_km"}).parent)
    assert PlanJob.objects.count() == 0


def test_running_plan_page_polls_its_progress(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(UserFactory())
    client.post("/analyse/planifier/", {**PLAN_FORM, "method": "exact"})
    job = PlanJob.objects.get()
    assert job.state == PlanState.PENDING
    page = parse(client.get(f"/analyse/planifier/{job.pk}/"))
    status = page.find(id="plan-status")
    assert (status["hx-get"], status["hx-trigger"]) == (f"/analyse/planifier/{job.pk}/", "every 2s")
    assert page.find("noscript").find("meta")["content"] == "5"  # refreshes without JavaScript
    assert page.find("progress")["value"] == "0"
    start_plan_job(job=job)
    partial = parse(client.get(f"/analyse/planifier/{job.pk}/", headers=HTMX))
    assert partial.find("html") is None
    assert partial.find("progress")["value"] == "10"
    assert "lecture des communes et des lieux" in text(partial)
    assert client.get(f"/analyse/planifier/{job.pk}/lieux.csv").status_code == 404
    jobs.fail_job(job, message="Plus de mémoire.")
    failed = parse(client.get(f"/analyse/planifier/{job.pk}/", headers=HTMX))
    assert text(failed.find(role="alert")) == "Le calcul a échoué : Plus de mémoire."
    assert failed.find(id="plan-status").get("hx-get") is None


def test_plans_are_public_and_listed_to_their_author_and_admins(client, fablab_pau):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    job = create_plan_job(actor=alice, territory="64", radius_km=10, n_new=1)

    def listed(user) -> list[str]:
        client.force_login(user)
        page = parse(client.get("/analyse/planifier/"))
        return [a["href"] for a in page.select("table a")]

    assert listed(alice) == [f"/analyse/planifier/{job.pk}/"]
    assert listed(bob) == []
    assert listed(AdminFactory()) == [f"/analyse/planifier/{job.pk}/"]
    client.logout()
    assert client.get(f"/analyse/planifier/{job.pk}/").status_code == 200
    assert client.get("/analyse/planifier/999/").status_code == 404
