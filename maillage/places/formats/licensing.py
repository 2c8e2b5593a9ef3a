"""The licence and the attribution that every export of places carries (issue 12 §4).

An instance publishes its places under one licence, chosen by the setting `OPEN_DATA_LICENCE`:
`etalab-2.0` (Licence Ouverte 2.0, the State's open licence and the default) or `odbl-1.0`
(the Open Database Licence, for an instance that mixes in OpenStreetMap data, whose share-alike
licence then applies to the whole). The attribution names the publisher
(`OPEN_DATA_ATTRIBUTION`, the publisher's name by default) and the sources the exported places
came from (the `source` of imported places; places entered here are the publisher's own).

Where it goes (docs/data.md, « Licence des exports »):

- every export response of the API carries `Link: <licence URL>; rel="license"` and
  `Link: </api/v1/licence?…>; rel="describedby"` (this licence, the attribution and the
  sources of the same filters, as JSON);
- JSON formats that allow members of their own carry `licence` and `attribution` (GeoJSON,
  foreign members of RFC 7946 § 6.1) or `license` and `creditText` (the JSON-LD document);
- CSV files (canonical, national schema) and data·inclusion's JSON lists have no room for it:
  their columns and objects are fixed by their schema. The HTTP headers carry it, and
  `maillage export_places` writes it on standard error (standard output stays the file).
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Licence:
    code: str  # SPDX-like identifier
    title: str
    url: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "title": self.title, "url": self.url}


LICENCES = {
    "etalab-2.0": Licence(
        "etalab-2.0",
        "Licence Ouverte 2.0",
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
    ),
    "odbl-1.0": Licence(
        "odbl-1.0",
        "Open Database License (ODbL) 1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
}
DEFAULT_PUBLISHER = "Maillage"
LICENCE_PATH = "/api/v1/licence"  # the API's licence document (`places.export_api`)


def current_licence() -> Licence:
    """The licence of this instance's exports (`OPEN_DATA_LICENCE`)."""
    code = getattr(settings, "OPEN_DATA_LICENCE", "etalab-2.0")
    try:
        return LICENCES[code]
    except KeyError:
        raise ImproperlyConfigured(
            f"OPEN_DATA_LICENCE={code!r}: expected one of {', '.join(LICENCES)}"
        ) from None


def publisher() -> str:
    return getattr(settings, "OPEN_DATA_ATTRIBUTION", "") or DEFAULT_PUBLISHER


def attribution(sources: Iterable[str]) -> str:
    """« <publisher>, d'après : a, b » — the sources of the exported places, sorted, the
    places entered here (no source) being the publisher's own."""
    named = sorted({source for source in sources if source})
    if not named:
        return publisher()
    return f"{publisher()}, d'après : {', '.join(named)}"


def licence_document(sources: Iterable[str]) -> dict:
    """What `GET /api/v1/licence` answers and the JSON exports embed."""
    named = sorted({source for source in sources if source})
    return {
        "licence": current_licence().as_dict(),
        "publisher": publisher(),
        "sources": named,
        "attribution": attribution(named),
    }


def link_header(describedby: str = "") -> str:
    """The `Link` header of an export response (RFC 8288): the licence, and the JSON that
    describes it with the attribution when `describedby` (a URL) is given."""
    licence = current_licence()
    links = [f'<{licence.url}>; rel="license"; title="{licence.title}"']
    if describedby:
        links.append(f'<{describedby}>; rel="describedby"; type="application/json"')
    return ", ".join(links)


def licensed(response, request):
    """Give an export answer its licence headers: the licence, and `GET /api/v1/licence` for
    the same filters (the attribution and the sources)."""
    query = request.GET.urlencode()
    described = request.build_absolute_uri(LICENCE_PATH + (f"?{query}" if query else ""))
    response["Link"] = link_header(describedby=described)
    return response


def licence_note(sources: Iterable[str]) -> str:
    """One line for the standard error of `maillage export_places`."""
    licence = current_licence()
    return f"Licence : {licence.title} ({licence.url}) — attribution : {attribution(sources)}"
