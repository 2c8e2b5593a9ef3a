"""The import pages and `POST /api/v1/imports`: who may use them, and what they answer."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from maillage.accounts.services import create_api_token
from maillage.opendata.models import ImportJob, ImportState
from maillage.places.models import Place
from tests.accounts.factories import AdminFactory, UserFactory
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

GOOD = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n"
BAD = b"source_id,name,kinds,insee_code\n1,La Fabrique,fablab,64445\n2,,fablab,64445\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager():
    user = UserFactory()
    make_place(managers=[user])
    return user


def upload(content: bytes = GOOD) -> SimpleUploadedFile:
    return SimpleUploadedFile("lieux.csv", content, content_type="text/csv")


# --- pages ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/imports/")
    assert response.status_code == 302
    assert "next=/imports/" in response["Location"]


def test_people_who_may_not_import_get_404(client, manager):
    client.force_login(manager)
    assert client.get("/imports/").status_code == 404
    assert client.post("/imports/", {"source": "x", "file": upload()}).status_code == 404
    job = ImportJob.objects.create(source="x", file_name="a.csv", size_bytes=1)
    assert client.get(f"/imports/{job.pk}/").status_code == 404
    assert not Place.objects.filter(source="x").exists()


def test_admin_uploads_a_file_and_reads_the_report(client):
    client.force_login(AdminFactory())
    page = client.get("/imports/")
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content
    response = client.post("/imports/", {"source": "web", "file": upload()})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.state == ImportState.SUCCEEDED  # small file: imported during the request
    report = client.get(response["Location"])
    assert report.status_code == 200
    assert "Réussi".lower() in report.content.decode().lower()
    assert b"hx-trigger" not in report.content
    assert Place.objects.filter(source="web").count() == 1
    assert b"lieux.csv" in client.get("/imports/").content


def test_report_lists_the_errors(client):
    client.force_login(AdminFactory())
    response = client.post("/imports/", {"source": "web", "file": upload(BAD)}, follow=True)
    content = response.content.decode()
    assert "Le nom est obligatoire." in content
    assert "Corrigez-les, ou relancez en import partiel." in content


def test_form_errors_are_shown(client):
    client.force_login(AdminFactory())
    response = client.post("/imports/", {"source": ""})
    assert response.status_code == 200
    assert not ImportJob.objects.exists()
    assert response.context["form"].errors.keys() == {"file", "source"}


def test_a_job_stopped_before_its_end_says_why_on_its_page_and_in_the_api(client, monkeypatch):
    from maillage.opendata import services

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "import_places", explode)
    admin = AdminFactory()
    response = post_import(client, admin)
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    assert "erreur inattendue" in job.error_message
    assert response.json()["errors"] == [
        {
            "line": 0,
            "field": "__file__",
            "code": "job.unexpected_error",
            "params": {},
            "message": job.error_message,
        }
    ]
    client.force_login(admin)
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "L'import n'a pas pu aller à son terme" in page
    assert "erreur inattendue" in page


def test_running_job_page_polls_and_htmx_gets_the_report_alone(client):
    admin = AdminFactory()
    job = ImportJob.objects.create(
        source="web", file_name="a.csv", size_bytes=1, state=ImportState.RUNNING, progress_done=1000
    )
    client.force_login(admin)
    page = client.get(f"/imports/{job.pk}/")
    content = page.content.decode()
    assert 'hx-trigger="every 2s"' in content
    assert "1000 lignes vérifiées" in content
    assert "htmx-2.min.js" in content
    assert 'http-equiv="refresh"' in content  # without JavaScript, the page reloads itself
    fragment = client.get(f"/imports/{job.pk}/", headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<section id="import-report"')


# --- API ------------------------------------------------------------------------------------


def post_import(client, user=None, content: bytes = GOOD, **fields):
    headers = {}
    if user is not None:
        _token, raw = create_api_token(user=user, name="test")
        headers["Authorization"] = f"Bearer {raw}"
    data = {"file": upload(content), "source": "api", **fields}
    return client.post("/api/v1/imports", data, headers=headers)


def test_api_import_requires_a_token(client):
    response = post_import(client)
    assert response.status_code == 401
    assert response.json()["detail"]


def test_api_import_is_for_admins_only(client, manager):
    response = post_import(client, manager)
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_api_import_returns_the_report(client):
    response = post_import(client, AdminFactory())
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"], body["errors"], body["state"]) == (
        1,
        0,
        [],
        "succeeded",
    )
    assert post_import(client, AdminFactory()).json()["unchanged"] == 1


def test_api_import_with_rejected_rows_answers_422_with_the_report(client):
    response = post_import(client, AdminFactory(), BAD, partial="true")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert (body["created"], body["rejected"], body["partial"]) == (1, 1, True)
    assert body["errors"] == [
        {
            "line": 3,
            "field": "name",
            "code": "name.required",
            "params": {},
            "message": "Le nom est obligatoire.",
        }
    ]


def test_api_dry_run_writes_nothing(client):
    response = post_import(client, AdminFactory(), dry_run="true")
    assert (response.status_code, response.json()["created"]) == (200, 1)
    assert not Place.objects.exists()


def test_api_import_without_file_is_a_422(client):
    _token, raw = create_api_token(user=AdminFactory(), name="test")
    response = client.post(
        "/api/v1/imports", {"source": "api"}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"].startswith("file")
