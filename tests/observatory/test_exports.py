"""The downloads of the observatory: CSV (byte-order mark, formula injection), XLSX (strings
as strings, read back from its XML), the PDF report, the census export, the open-data file;
secrecy applied for the reader: a hidden cell is empty everywhere."""

import io
import json
import re
import zipfile
import zlib
from datetime import date

import pytest
from django.urls import reverse

from maillage.observatory import census, reports, selectors
from maillage.observatory.models import AggregateValue, PlaceValue
from maillage.observatory.periods import parse_period
from tests.accounts.factories import AdminFactory, UserFactory
from tests.declarations.factories import make_declaration
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

HIDDEN_VISITS = 987_654  # a figure secrecy hides: it must appear in no public file
SHOWN_EVENTS = 4_321


@pytest.fixture
def manager():
    return UserFactory(username="gestion")


@pytest.fixture
def place(manager):
    place = make_place(name="=HYPERLINK(1)", managers=[manager], surface_m2=250)
    for indicator, value in (("visits", 1200.0), ("active_members", 48.0), ("events_held", 9.0)):
        PlaceValue.objects.create(
            place=place,
            indicator=indicator,
            grain="year",
            period="2025",
            period_start=date(2025, 1, 1),
            numerator=value,
            value=value,
        )
    return place


@pytest.fixture
def departement():
    for indicator, value, hidden in (
        ("visits", HIDDEN_VISITS, True),
        ("events_held", SHOWN_EVENTS, False),
    ):
        AggregateValue.objects.create(
            level="departement",
            code="64",
            indicator=indicator,
            grain="year",
            period="2025",
            period_start=date(2025, 1, 1),
            places=4,
            numerator=value,
            value=value,
            hidden=hidden,
        )


def _download(client, level, code, fmt, period="2025"):
    url = reverse("observatory_exports:download", args=[level, code, fmt])
    return client.get(f"{url}?periode={period}")


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def _xlsx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
        )


# --- CSV ----------------------------------------------------------------------------------


def test_the_csv_has_a_byte_order_mark_and_neutralises_formulas(client, place, manager):
    client.force_login(manager)
    response = _download(client, "place", place.slug, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = _body(response)
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
    assert ",=HYPERLINK" not in text
    line = next(line for line in text.splitlines() if ",visits," in line)
    assert line.endswith(",1200.0")


def test_a_hidden_value_is_an_empty_cell_in_the_public_csv(client, departement):
    text = _body(_download(client, "departement", "64", "csv")).decode("utf-8-sig")
    visits = next(line for line in text.splitlines() if ",visits," in line)
    assert visits.endswith(",")
    assert str(HIDDEN_VISITS) not in text
    assert str(SHOWN_EVENTS) in text


def test_an_instance_admin_gets_the_hidden_value(client, departement):
    client.force_login(AdminFactory())
    text = _body(_download(client, "departement", "64", "csv")).decode("utf-8-sig")
    assert str(HIDDEN_VISITS) in text


def test_a_place_download_is_not_public(client, place):
    for fmt in ("csv", "xlsx", "pdf"):
        assert _download(client, "place", place.slug, fmt).status_code == 404
    client.force_login(UserFactory())
    assert _download(client, "place", place.slug, "csv").status_code == 404


def test_an_unknown_format_or_period_answers_404(client, departement):
    assert _download(client, "departement", "64", "docx").status_code == 404
    assert _download(client, "departement", "64", "csv", period="2025-13").status_code == 404
    assert _download(client, "planete", "64", "csv").status_code == 404


# --- XLSX ---------------------------------------------------------------------------------


def test_the_xlsx_opens_and_keeps_strings_as_strings(client, place, manager):
    client.force_login(manager)
    response = _download(client, "place", place.slug, "xlsx")
    assert response.status_code == 200
    xml = _xlsx_xml(_body(response))
    assert "=HYPERLINK(1)" in xml  # the name, as a shared string
    assert "<f>" not in xml  # and no formula anywhere
    assert "<v>1200</v>" in xml  # numbers stay numbers
    with zipfile.ZipFile(io.BytesIO(_body(response))) as archive:
        workbook = archive.read("xl/workbook.xml").decode()
    assert "Chiffres" in workbook
    assert "Méthode" in workbook


def test_a_hidden_value_is_an_empty_cell_in_the_public_xlsx(client, departement):
    xml = _xlsx_xml(_body(_download(client, "departement", "64", "xlsx")))
    assert str(HIDDEN_VISITS) not in xml
    assert str(SHOWN_EVENTS) in xml


# --- PDF ----------------------------------------------------------------------------------


def _pdf_titles(data: bytes) -> list[str]:
    """The /Title entries of the PDF (its information dictionary, its bookmarks), which
    WeasyPrint writes as UTF-16 hex, possibly inside compressed object streams."""
    parts = [data]
    for stream in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL):
        try:
            parts.append(zlib.decompress(stream.group(1)))
        except zlib.error:
            continue  # not a Flate stream (an image, a font)
    return [
        bytes.fromhex(found.decode()).decode("utf-16")
        for part in parts
        for found in re.findall(rb"/Title\s*<([0-9A-Fa-f]+)>", part)
    ]


def test_the_pdf_report_of_a_place_names_the_place(client, manager):
    place = make_place(name="La Forge d'Ossau", managers=[manager])
    client.force_login(manager)
    response = _download(client, "place", place.slug, "pdf")
    assert response.status_code == 200
    data = _body(response)
    assert data.startswith(b"%PDF")
    assert "Rapport d'activité — La Forge d'Ossau — 2025" in _pdf_titles(data)


def test_the_report_shows_the_figures_method_and_secrecy(place, manager):
    area = selectors.resolve_area("place", place.slug, user=manager)
    html = reports.report_html(area, parse_period("2025"), user=manager)
    assert re.search(r'<td class="num" data-indicator="visits">1\W?200</td>', html)
    assert "<svg" in html
    assert "Secret statistique" in html
    assert "coefficient de détour" in html


def test_a_hidden_value_is_an_empty_cell_in_the_public_report(departement):
    from django.contrib.auth.models import AnonymousUser

    area = selectors.resolve_area("departement", "64")
    html = reports.report_html(area, parse_period("2025"), user=AnonymousUser())
    assert '<td class="num" data-indicator="visits"></td>' in html
    assert str(HIDDEN_VISITS) not in html.replace("\u202f", "").replace(" ", "")
    assert "cases sont vides" in html


# --- census -------------------------------------------------------------------------------


def test_the_census_export_answers_from_data_declarations_and_the_record(place):
    make_declaration(place, 2025, revenue_eur=80_000, staff_fte="1.5", premises_status="rented")
    answers = {answer.question: answer for answer in census.census_answers(place, 2025)}
    assert len(answers) == len(census.QUESTIONS)
    assert answers["Nom du tiers-lieu"].answer == "=HYPERLINK(1)"
    assert answers["Nom du tiers-lieu"].source == "fiche du lieu"
    assert answers["Chiffre d'affaires annuel (€)"].answer == 80_000
    assert answers["Chiffre d'affaires annuel (€)"].source == "déclaré pour 2025"
    assert answers["Nombre de salarié·es (équivalent temps plein)"].answer == 1.5
    assert (
        "locataire"
        in answers[
            "Statut d'occupation du local (propriétaire, locataire, mise à disposition)"
        ].answer
    )
    assert answers["Fréquentation : passages dans l'année"].answer == 1200
    assert answers["Fréquentation : passages dans l'année"].source == "calculé par Maillage (2025)"
    assert answers["Nombre de bénévoles"].answer == 12
    assert answers["Formations dispensées"].source == "à compléter"


def test_the_census_falls_back_on_the_place_record_for_the_surface(place):
    answers = {answer.question: answer for answer in census.census_answers(place, 2025)}
    assert (answers["Surface totale (m²)"].answer, answers["Surface totale (m²)"].source) == (
        250,
        "fiche du lieu",
    )
    assert answers["Chiffre d'affaires annuel (€)"].answer == ""


def test_the_census_download_is_for_the_place_operators(client, place, manager):
    url = reverse("observatory_exports:census", args=[place.slug, "csv"]) + "?annee=2025"
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.force_login(manager)
    body = _body(client.get(url))
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.splitlines()[0] == "rubrique,question,réponse,source"
    assert "'=HYPERLINK(1)" in text
    xlsx = client.get(reverse("observatory_exports:census", args=[place.slug, "xlsx"]))
    assert "Nom du tiers-lieu" in _xlsx_xml(_body(xlsx))


# --- open data ----------------------------------------------------------------------------


def test_the_open_data_file_publishes_only_what_secrecy_allows(client, departement):
    response = client.get(reverse("observatory_exports:open_data_csv", args=["2025"]))
    assert response.status_code == 200
    assert "etalab" in response["Link"]
    text = _body(response).decode()
    assert not text.startswith("\ufeff")
    assert text.splitlines()[0] == "niveau,code,nom,periode,indicateur,unite,lieux,valeur"
    assert f"departement,64,Pyrénées-Atlantiques,2025,events_held,events,4,{SHOWN_EVENTS}" in text
    assert "departement,64,Pyrénées-Atlantiques,2025,visits,visits,4,\r\n" in text
    assert str(HIDDEN_VISITS) not in text


def test_the_open_data_package_names_its_licence(client):
    response = client.get(reverse("observatory_exports:open_data_package", args=["2025"]))
    package = json.loads(response.content)
    assert package["licenses"][0]["name"] == "etalab-2.0"
    assert package["resources"][0]["path"].endswith(
        "/observatoire/donnees-ouvertes/2025/agregats.csv"
    )
    page = client.get(reverse("observatory_exports:open_data"))
    assert "Licence Ouverte" in page.content.decode()


def test_the_observatory_pages_link_to_the_downloads(client, departement):
    page = client.get(
        reverse("observatory:territory", args=["departement", "64"]) + "?periode=2025"
    )
    html = page.content.decode()
    assert reverse("observatory_exports:download", args=["departement", "64", "pdf"]) in html
    assert reverse("observatory_exports:open_data") in html
