"""The key pages work under the Content-Security-Policy: the browser blocks nothing on them.

The `page` fixture fails a test on any violation; these tests visit every key page, with its
maps drawn and its htmx requests done, so that a page needing an inline script or style, or
a resource from another origin, fails here.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.accounts.models import User
from maillage.opendata.services import create_import_job
from maillage.planning.services import create_plan_job, run_plan_job, start_plan_job
from tests.places.factories import make_place

pytestmark = pytest.mark.browser

IMPORT_FILE = (
    "source_id,name,kinds,insee_code\r\n"
    "1,Atelier du Hédas,fablab,64445\r\n"
    "2,<b>Sans type</b>,,64445\r\n"
).encode()


@pytest.fixture
def places(site):
    return [
        make_place(name="La Fabrique", kinds=["fablab"]),
        make_place(
            name="Cowork Lescar",
            kinds=["coworking"],
            insee_code="64348",
            latitude=43.3333,
            longitude=-0.4347,
        ),
    ]


@pytest.fixture
def admin(site, sign_in):
    """A instance admin who is also a superuser, signed in for the tab."""
    user = User.objects.create_user(
        "admin-reseau", password="x", is_instance_admin=True, is_staff=True, is_superuser=True
    )
    sign_in(user)
    return user


def visit(page, url: str, csp_violations: list[str]) -> None:
    """Open url and let every request it starts finish, then check nothing was blocked."""
    response = page.goto(url)
    assert response.ok, (url, response.status)
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert csp_violations == [], url


def test_the_detector_sees_what_the_policy_blocks(page, site, csp_violations):
    """Without this the other tests could pass with a listener that never reports."""
    page.goto(f"{site}/comptes/connexion/")
    # Resolves once the page has seen both violations, which the listener reported before.
    page.evaluate("""() => new Promise((resolve) => {
        let seen = 0;
        document.addEventListener("securitypolicyviolation", () => ++seen === 2 && resolve());
        const style = document.createElement("style");
        style.textContent = "body { color: red; }";
        document.head.append(style);
        const image = document.createElement("img");
        image.src = "https://elsewhere.example.org/pixel.png";
        document.body.append(image);
    })""")
    assert page.evaluate("() => getComputedStyle(document.body).color") != "rgb(255, 0, 0)"
    blocked = " ".join(csp_violations)
    assert "style-src-elem" in blocked
    assert "img-src | https://elsewhere.example.org/pixel.png" in blocked
    csp_violations.clear()


def test_public_pages_break_no_rule(page, site, places, csp_violations):
    visit(page, f"{site}/", csp_violations)
    page.wait_for_selector("#carte[data-place-count='2']")
    visit(page, f"{site}/lieux/", csp_violations)
    page.check("#f-kind-fablab")  # an htmx swap of the results, and the map redrawn
    page.wait_for_url("**/lieux/?kind=fablab")
    page.wait_for_function("() => document.querySelectorAll('.result-list .card').length === 1")
    page.locator("#f-territory").press_sequentially("Pa")  # htmx suggestions
    page.wait_for_function("() => document.querySelectorAll('#f-territory-options option').length")
    visit(page, f"{site}/lieux/{places[0].slug}/", csp_violations)
    page.wait_for_selector("#carte-lieu[data-marker-count='1']")
    visit(page, f"{site}/territoires/", csp_violations)
    page.locator("#territory-q").press_sequentially("Pa")  # htmx suggestions
    page.wait_for_function("() => document.querySelectorAll('#territory-q-options option').length")
    visit(page, f"{site}/territoires/?q=pa", csp_violations)
    visit(page, f"{site}/analyse/couverture/?territory=pa", csp_violations)
    visit(page, f"{site}/territoires/departement/64/", csp_violations)
    page.wait_for_selector("#white-zones-map[data-marker-count]")  # coverage, loaded by htmx
    page.select_option("#id_radius_km", "5")  # and swapped again
    with page.expect_response("**/analyse/couverture/departement/64/?*"):
        page.click("#coverage form button")
    page.locator("#white-zones-summary", has_text="5 km").wait_for()
    visit(page, f"{site}/analyse/couverture/departement/64/", csp_violations)
    page.wait_for_selector("#white-zones-map[data-marker-count]")
    visit(page, f"{site}/analyse/planifier/", csp_violations)
    visit(page, f"{site}/comptes/connexion/", csp_violations)
    visit(page, f"{site}/api/v1/docs", csp_violations)
    page.wait_for_selector("#swagger-ui .opblock")  # Swagger UI drew the operations
    visit(page, f"{site}/admin/login/", csp_violations)
    response = page.goto(f"{site}/lieux/pas-de-lieu-ici/")
    assert response.status == 404
    assert csp_violations == []


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded import files go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.usefixtures("media_root")
def test_pages_of_signed_in_people_break_no_rule(page, site, places, admin, csp_violations):
    finished = create_plan_job(actor=admin, territory="64", kind="fablab", radius_km=10, n_new=1)
    run_plan_job(job_id=finished.pk)
    running = start_plan_job(
        job=create_plan_job(actor=admin, territory="64", radius_km=10, n_new=1)
    )
    visit(page, f"{site}/analyse/planifier/", csp_violations)
    visit(page, f"{site}/analyse/planifier/{finished.pk}/", csp_violations)
    page.wait_for_selector("#plan-map[data-marker-count='1']")
    visit(page, f"{site}/analyse/planifier/{running.pk}/", csp_violations)
    with page.expect_response(f"**/analyse/planifier/{running.pk}/"):  # htmx polls the progress
        pass

    visit(page, f"{site}/imports/", csp_violations)
    page.set_input_files(
        "#id_file", files=[{"name": "lieux.csv", "mimeType": "text/csv", "buffer": IMPORT_FILE}]
    )
    page.fill("#id_source", "reseau-na")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/imports/*/")
    assert "Au moins un type de lieu est obligatoire." in page.text_content("main")
    pending = create_import_job(
        actor=admin,
        source="reseau-na",
        file=SimpleUploadedFile("lieux.csv", IMPORT_FILE, content_type="text/csv"),
    )
    visit(page, f"{site}/imports/{pending.pk}/", csp_violations)
    with page.expect_response(f"**/imports/{pending.pk}/"):  # htmx polls the report
        pass

    visit(page, f"{site}/lieux/{places[0].slug}/modifier/", csp_violations)
    visit(page, f"{site}/lieux/nouveau/", csp_violations)
    visit(page, f"{site}/comptes/jetons/", csp_violations)
    visit(page, f"{site}/admin/", csp_violations)
    visit(page, f"{site}/admin/places/place/{places[0].pk}/change/", csp_violations)
    assert csp_violations == []


def test_refusals_break_no_rule(page, site, sign_in, settings, csp_violations):
    """The 403 page, and the lockout page after too many failed logins."""
    sign_in(User.objects.create_user("visiteur", password="x"))
    response = page.goto(f"{site}/lieux/nouveau/")
    assert response.status == 403
    page.context.clear_cookies()
    settings.AXES_FAILURE_LIMIT = 1
    page.goto(f"{site}/comptes/connexion/")
    page.fill("#id_username", "visiteur")
    page.fill("#id_password", "faux")
    with page.expect_response("**/comptes/connexion/") as answer:
        page.click("main form button[type=submit]")
    assert answer.value.status == 429
    page.wait_for_load_state("networkidle")
    assert csp_violations == []
