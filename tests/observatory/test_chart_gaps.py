"""The monthly charts tell a month without data from a value hidden by statistical secrecy: a
place's own report draws its empty months as « aucune donnée » (a dashed outline, never the
secrecy hatching), while a territory page still hatches what secrecy hides from its reader."""

import html
import re
from datetime import date, timedelta

import pytest

from maillage.checkins.models import VisitorKind
from maillage.checkins.services import count_visitors
from maillage.common.actors import SYSTEM
from maillage.observatory import reports, selectors, services
from maillage.observatory.periods import parse_period
from maillage.observatory.templatetags.observatory_tags import figure
from tests.accounts.factories import AdminFactory, UserFactory

from .factories import LESCAR, place_in

pytestmark = pytest.mark.django_db

THIS_MONTH = date.today().replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
ACTIVE, EMPTY = THIS_MONTH.strftime("%Y-%m"), LAST_MONTH.strftime("%Y-%m")
HATCHING = ('class="hidden-value"', "Zone hachurée", "secret statistique", "valeur masquée")


@pytest.fixture
def lescar():
    """One place in Lescar, visited this month and not at all the month before: its commune's
    figure is a single place's, hidden from the public (minimum frequency)."""
    staff = UserFactory()
    place = place_in(LESCAR, "Quatre", staff=[staff])
    count_visitors(actor=SYSTEM, place=place, kind=VisitorKind.VISIT, count=25, day=THIS_MONTH)
    services.compute_all(since=LAST_MONTH)
    return {"place": place, "staff": staff}


def _visits_chart(page: str) -> str:
    """The visits chart's figure: its SVG and its data table."""
    match = re.search(r'<figure class="chart" data-indicator="visits">.*?</figure>', page, re.S)
    assert match
    return match.group(0)


def _row(chart: str, month: str) -> str:
    match = re.search(rf'<tr><th scope="row">{month}</th>.*?</tr>', chart, re.S)
    assert match, month
    return match.group(0)


def _desc(chart: str) -> str:
    match = re.search(r"<desc [^>]*>([^<]*)</desc>", chart)
    assert match
    return html.unescape(match.group(1))


def _gap_titles(svg: str, cls: str) -> list[str]:
    return re.findall(rf'<rect class="{cls}"[^>]*><title>([^<]*)</title>', svg)


def test_a_place_sees_its_empty_months_as_no_data_not_as_secret(client, lescar):
    client.force_login(lescar["staff"])
    page = client.get(f"/observatoire/lieux/{lescar['place'].slug}/").content.decode()
    series = page[
        page.index('id="series-title"') : page.index("</section>", page.index('id="series-title"'))
    ]
    for word in HATCHING:
        assert word not in series, word
    chart = _visits_chart(series)
    assert any(
        title.endswith(f"{EMPTY} : aucune donnée") for title in _gap_titles(chart, "no-data")
    )
    assert "Cadre pointillé : aucune donnée." in chart
    desc = _desc(chart)
    assert re.search(r"\S+ à \S+\. .+ : de [\d,\s]+ à [\d,\s]+ .*, \d+ sans donnée\.$", desc), desc
    assert "aucune donnée" in _row(chart, EMPTY)
    assert 'data-state="none"' in _row(chart, EMPTY)
    assert 'data-state="value"' in _row(chart, ACTIVE) and ">25<" in _row(chart, ACTIVE)


def test_the_english_page_says_no_data(client, lescar):
    client.force_login(lescar["staff"])
    client.cookies["django_language"] = "en"
    page = client.get(f"/observatoire/lieux/{lescar['place'].slug}/").content.decode()
    chart = _visits_chart(page)
    assert "no data" in _row(chart, EMPTY)
    assert any(title.endswith(f"{EMPTY} : no data") for title in _gap_titles(chart, "no-data"))
    assert "aucune donnée" not in chart
    # The chart's description, read by screen readers, is in English too.
    desc = _desc(chart)
    assert re.search(r"\S+ to \S+\. .+: from [\d.,]+ to [\d.,]+ .*, \d+ without data\.$", desc), (
        desc
    )
    assert "sans donnée" not in desc and " à " not in desc


def test_the_place_report_says_no_data_and_hatches_nothing(lescar):
    area = selectors.resolve_area("place", lescar["place"].slug, user=lescar["staff"])
    html = reports.report_html(area, parse_period(EMPTY[:4]), user=lescar["staff"])
    charts = html[html.index('<section class="charts">') : html.index('<section class="method">')]
    for word in HATCHING:
        assert word not in charts, word
    assert "Cadre pointillé : aucune donnée." in charts
    assert re.search(r'data-state="none">aucune donnée</td>', charts)


def test_a_territory_still_hatches_what_secrecy_hides(client, lescar):
    page = client.get(f"/observatoire/commune/{LESCAR}/").content.decode()
    chart = _visits_chart(page)
    assert any(
        title.endswith(f"{ACTIVE} : valeur masquée") for title in _gap_titles(chart, "hidden-value")
    )
    assert "Zone hachurée : valeur masquée par le secret statistique." in chart
    row = _row(chart, ACTIVE)
    assert 'data-state="secret"' in row and "masqué (secret statistique)" in row
    # A month before any data is no data there too, not a secret.
    assert 'data-state="none"' in _row(chart, EMPTY)
    assert any(
        title.endswith(f"{EMPTY} : aucune donnée") for title in _gap_titles(chart, "no-data")
    )


def test_an_administrator_sees_the_territory_value_unhatched(client, lescar):
    client.force_login(AdminFactory())
    chart = _visits_chart(client.get(f"/observatoire/commune/{LESCAR}/").content.decode())
    assert not _gap_titles(chart, "hidden-value")
    assert f">{figure(25.0)}<" in _row(chart, ACTIVE)
