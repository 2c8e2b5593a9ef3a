"""What browsers, robots and link previews read: `/robots.txt`, `/sitemap.xml`, `/favicon.ico`
(answering 200: other tools rely on it), canonical and hreflang links, Open Graph tags."""

import gzip
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.pages.page_helpers import parse
from tests.places.factories import make_place

pytestmark = pytest.mark.django_db

SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()  # the sitemap is cached for an hour
    yield
    cache.clear()


def test_robots_txt_points_to_the_sitemap_and_keeps_robots_out_of_accounts(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert {"Disallow: /admin/", "Disallow: /comptes/", "Disallow: /imports/"} <= set(lines)
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_favicon_ico_is_a_real_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/vnd.microsoft.icon"
    body = response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # ICO header, icon type
    count = int.from_bytes(body[4:6], "little")
    sizes = {body[6 + 16 * i] for i in range(count)}
    assert sizes == {16, 32, 48}
    assert "max-age=86400" in response["Cache-Control"]


def test_pages_link_to_their_icons(client):
    head = parse(client.get("/")).select_one("head")
    assert head.select_one('link[rel="icon"][href="/favicon.ico"]') is not None
    svg = head.select_one('link[rel="icon"][type="image/svg+xml"]')["href"]
    response = client.get(svg)
    assert response.status_code == 200
    response.close()


def _sitemap_urls(content: bytes) -> dict[str, str | None]:
    root = ET.fromstring(content)  # noqa: S314
    return {
        url.findtext("s:loc", namespaces=SITEMAP_NS): url.findtext(
            "s:lastmod", namespaces=SITEMAP_NS
        )
        for url in root.findall("s:url", SITEMAP_NS)
    }


def test_sitemap_index_lists_places_and_territories(client):
    make_place()
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314
    locations = [node.text for node in root.findall("s:sitemap/s:loc", SITEMAP_NS)]
    assert locations == [
        "http://testserver/sitemap-lieux.xml",
        "http://testserver/sitemap-territoires.xml",
    ]


def test_place_sitemap_gives_each_place_with_its_last_change(client):
    place = make_place()
    other = make_place(name="Le Repair", kinds=["repair_cafe"])
    urls = _sitemap_urls(client.get("/sitemap-lieux.xml").content)
    assert urls == {
        f"http://testserver/lieux/{place.slug}/": timezone.localdate(place.updated_at).isoformat(),
        f"http://testserver/lieux/{other.slug}/": timezone.localdate(other.updated_at).isoformat(),
    }


def test_territory_sitemap_lists_the_levels_and_the_communes_with_places(client):
    place = make_place()  # in Pau
    urls = _sitemap_urls(client.get("/sitemap-territoires.xml").content)
    day = timezone.localdate(place.updated_at).isoformat()
    assert urls["http://testserver/territoires/commune/64445/"] == day
    assert urls["http://testserver/territoires/departement/64/"] == day
    assert urls["http://testserver/territoires/region/75/"] == day
    assert urls["http://testserver/territoires/epci/200067254/"] == day
    # A département without places is listed without a date; a commune without places is not.
    assert urls["http://testserver/territoires/departement/75/"] is None
    assert "http://testserver/territoires/commune/64348/" not in urls


def test_every_page_names_its_canonical_address_and_its_languages(client):
    head = parse(client.get("/lieux/?kind=fablab&lang=fr")).select_one("head")
    assert (
        head.select_one('link[rel="canonical"]')["href"] == "http://testserver/lieux/?kind=fablab"
    )
    alternates = {
        link["hreflang"]: link["href"] for link in head.select('link[rel="alternate"][hreflang]')
    }
    assert alternates == {
        "fr": "http://testserver/lieux/?kind=fablab&lang=fr",
        "en": "http://testserver/lieux/?kind=fablab&lang=en",
        "x-default": "http://testserver/lieux/?kind=fablab",
    }


def test_the_lang_parameter_chooses_the_page_s_language(client):
    page = parse(client.get("/lieux/?lang=en"))
    assert page.html["lang"] == "en"
    assert page.select_one("h1").get_text() == "Directory of third places"
    # Nothing is stored: the next page without the parameter is in French again.
    assert parse(client.get("/lieux/")).html["lang"] == "fr"


def test_place_page_carries_open_graph_tags(client):
    place = make_place(description="Un fablab au cœur de Pau, ouvert à toutes et tous.")
    head = parse(client.get(f"/lieux/{place.slug}/")).select_one("head")
    og = {meta["property"]: meta["content"] for meta in head.select("meta[property]")}
    assert og["og:title"] == "La Fabrique — Pau"
    assert og["og:description"] == "Un fablab au cœur de Pau, ouvert à toutes et tous."
    assert og["og:url"] == f"http://testserver/lieux/{place.slug}/"
    assert og["og:type"] == "website"
    assert og["og:locale"] == "fr_FR"
    assert og["og:image"].startswith("http://testserver/static/legal/")
    assert og["place:location:latitude"] == "43.295100"


def test_sitemap_is_compressed_when_asked(client):
    # Enough places for gzip to pay off: Django sends a body compressed only when it is shorter,
    # and pads it with up to 100 random bytes (BREACH mitigation).
    for number in range(5):
        make_place(name=f"Lieu {number}")
    response = client.get("/sitemap-lieux.xml", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert b"<urlset" in gzip.decompress(response.content)
