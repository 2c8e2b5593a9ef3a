"""OSM extracts through the import page, its background job and `POST /api/v1/imports`, and
through `maillage import_places`: the same pipeline as `maillage import_osm` (issue 12 §2)."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from maillage.accounts.services import create_api_token
from maillage.opendata import services
from maillage.opendata.models import ImportJob, ImportState
from maillage.places.models import OsmRecord, Place, PlaceChange
from tests.accounts.factories import AdminFactory
from tests.opendata.osm_extracts import N, W, write_pbf, write_xml
from tests.opendata.test_osm_import import extract

pytestmark = pytest.mark.django_db

IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A way whose nodes the extract lacks: no position, rejected under its id.
LOST_WAY = W(7, [1, 999], {"office": "coworking", "name": "Le Bureau"})
NO_POSITION = [N(1, 43.3, -0.37), LOST_WAY]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(params=["osm", "osm.pbf"])
def extract_bytes(request, tmp_path):
    """The bytes of an extract in each format, as an upload carries them."""

    def build(objects, name="extract"):
        writer = write_xml if request.param == "osm" else write_pbf
        return writer(tmp_path / f"{name}.{request.param}", objects).read_bytes()

    build.suffix = request.param
    return build


def upload(content: bytes, suffix: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(f"extrait.{suffix}", content, content_type="application/octet-stream")


def post_page(client, content: bytes, suffix: str, **fields):
    data = {"source": "osm", "file": upload(content, suffix), **fields}
    return client.post("/imports/", data)


def test_the_page_imports_an_extract_and_stores_its_records(client, extract_bytes):
    client.force_login(AdminFactory())
    response = post_page(client, extract_bytes(extract()), extract_bytes.suffix)
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert job.state == ImportState.SUCCEEDED
    assert (job.created_count, job.rejected_count) == (4, 0)
    assert sorted(Place.objects.values_list("source_id", flat=True)) == ["n1", "n2", "n6", "w100"]
    assert sorted(OsmRecord.objects.values_list("osm_id", flat=True)) == [
        "n1",
        "n2",
        "n6",
        "w100",
    ]
    assert set(OsmRecord.objects.values_list("place__source_id", flat=True)) == {
        "n1",
        "n2",
        "n6",
        "w100",
    }
    # The unnamed coworking is skipped with a warning, shown on the report page.
    page = client.get(response["Location"]).content.decode()
    assert "n4 : objet sans nom" in page


def test_uploading_the_same_extract_again_changes_nothing(client, extract_bytes):
    client.force_login(AdminFactory())
    content = extract_bytes(extract())
    post_page(client, content, extract_bytes.suffix)
    places = dict(Place.objects.values_list("source_id", "updated_at"))
    records = dict(OsmRecord.objects.values_list("osm_id", "imported_at"))
    changes = PlaceChange.objects.count()
    post_page(client, content, extract_bytes.suffix)
    second = ImportJob.objects.order_by("-id").first()
    assert second.state == ImportState.SUCCEEDED
    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 4)
    assert dict(Place.objects.values_list("source_id", "updated_at")) == places
    assert dict(OsmRecord.objects.values_list("osm_id", "imported_at")) == records
    assert PlaceChange.objects.count() == changes


def test_a_rejected_object_is_reported_by_its_id(client, extract_bytes):
    client.force_login(AdminFactory())
    post_page(client, extract_bytes([*extract(), LOST_WAY]), extract_bytes.suffix)
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    assert [(error["line"], error["field"]) for error in job.errors] == [("w7", "latitude")]
    assert not Place.objects.exists()  # all or nothing
    assert "<td>w7</td>" in client.get(f"/imports/{job.pk}/").content.decode()


def test_a_failed_extract_job_is_retried_from_its_stored_file(
    client, extract_bytes, settings, monkeypatch
):
    settings.IMPORT_FILE_RETENTION_DAYS = 7
    real = services.import_places
    calls = []

    def fail_once(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return real(**kwargs)

    monkeypatch.setattr(services, "import_places", fail_once)
    client.force_login(AdminFactory())
    post_page(client, extract_bytes(extract()), extract_bytes.suffix)
    job = ImportJob.objects.get()
    assert job.state == ImportState.FAILED
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert f'action="/imports/{job.pk}/relancer/"' in page
    client.post(f"/imports/{job.pk}/relancer/")
    job.refresh_from_db()
    assert (job.state, job.created_count) == (ImportState.SUCCEEDED, 4)
    assert OsmRecord.objects.count() == 4


def test_a_partial_import_writes_the_valid_objects(client, extract_bytes):
    client.force_login(AdminFactory())
    content = extract_bytes([*extract(), LOST_WAY])
    post_page(client, content, extract_bytes.suffix, partial="on")
    job = ImportJob.objects.get()
    assert (job.created_count, job.rejected_count) == (4, 1)
    assert OsmRecord.objects.count() == 4


@override_settings(TASKS=IMMEDIATE_TASKS)
def test_a_large_extract_runs_as_a_background_job_with_progress(client, extract_bytes, monkeypatch):
    monkeypatch.setattr(services, "INLINE_MAX_BYTES", 10)
    progress = []
    record = services.record_import_progress

    def spy(*, job, rows_done):
        progress.append(rows_done)
        record(job=job, rows_done=rows_done)

    monkeypatch.setattr(services, "record_import_progress", spy)
    client.force_login(AdminFactory())
    post_page(client, extract_bytes(extract()), extract_bytes.suffix)
    job = ImportJob.objects.get()
    assert job.state == ImportState.SUCCEEDED
    assert (job.created_count, job.progress_done, job.progress_total) == (4, 4, 4)
    assert progress[-1] == 4
    assert OsmRecord.objects.count() == 4


def test_a_dry_run_through_the_page_writes_nothing(client, extract_bytes):
    client.force_login(AdminFactory())
    post_page(client, extract_bytes(extract()), extract_bytes.suffix, dry_run="on")
    assert ImportJob.objects.get().created_count == 4
    assert not Place.objects.exists()
    assert not OsmRecord.objects.exists()


def test_the_form_lists_every_accepted_format(client):
    client.force_login(AdminFactory())
    page = client.get("/imports/").content.decode()
    for name in ("CSV canonique", "GeoJSON", "médiation numérique", "data·inclusion", ".osm.pbf"):
        assert name in page


# --- API ------------------------------------------------------------------------------------


def post_api(client, content: bytes, suffix: str, **fields):
    _token, raw = create_api_token(user=AdminFactory(), name="test")
    data = {"file": upload(content, suffix), "source": "osm", **fields}
    return client.post("/api/v1/imports", data, headers={"Authorization": f"Bearer {raw}"})


def test_the_api_imports_an_extract(client, extract_bytes):
    content = extract_bytes(extract())
    response = post_api(client, content, extract_bytes.suffix)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["rejected"], body["errors"]) == (4, 0, [])
    assert OsmRecord.objects.count() == 4
    again = post_api(client, content, extract_bytes.suffix).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 4)


def test_the_api_reports_a_rejected_object_by_its_id(client, extract_bytes):
    response = post_api(client, extract_bytes(NO_POSITION), extract_bytes.suffix)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["line"], error["field"]) == ("w7", "latitude")


# --- maillage import_places -----------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


def test_import_places_reads_an_extract_as_import_osm_does(tmp_path):
    path = write_pbf(tmp_path / "extrait.osm.pbf", extract())
    code, out, _ = run("import_places", str(path), "--source", "osm")
    assert (code, "créés : 4" in out) == (0, True)
    assert OsmRecord.objects.count() == 4
    code, out, _ = run("import_osm", str(path), "--format", "json")
    assert (code, json.loads(out)["unchanged"]) == (0, 4)
    bad = write_xml(tmp_path / "bad.osm", NO_POSITION)
    code, out, err = run("import_places", str(bad), "--source", "osm")
    assert code == 1
    assert "objet w7, latitude" in out
    assert "1 objet(s) rejeté(s) : rien n'a été écrit" in err
