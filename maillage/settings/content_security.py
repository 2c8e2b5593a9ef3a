"""The Content-Security-Policy of every response, the same in development, test and production.

Scripts, styles, fonts and requests come from the site itself only, with no inline script or
style: even if a place name slipped through as HTML, the browser would refuse to run it. Images
may also come from the map's tile server, whose origin is read from MAP_TILES_URL.
"""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF


def tile_source(tiles_url: str) -> str | None:
    """The CSP source that lets the browser load the tiles of a Leaflet URL template.

    `https://tile.openstreetmap.org/{z}/{x}/{y}.png` → `https://tile.openstreetmap.org`;
    `https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png` → `https://*.tile.openstreetmap.fr`
    (Leaflet fills `{s}` with a subdomain, and CSP only allows a wildcard as the whole first
    label); a relative URL is the site's own (`'self'` covers it): None.
    """
    parts = urlsplit(tiles_url)
    if not parts.netloc:
        return None
    if parts.scheme not in {"http", "https"}:
        raise ValueError(f"MAP_TILES_URL={tiles_url!r}: expected an http(s) URL")
    host, _, port = parts.netloc.rpartition("@")[2].partition(":")
    labels = host.lower().split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    if any("{" in label for label in labels[1:]) or "{" in port:
        raise ValueError(
            f"MAP_TILES_URL={tiles_url!r}: a placeholder is only allowed as the first label "
            "of the host name, as in https://{s}.tile.example.org/{z}/{x}/{y}.png"
        )
    return f"{parts.scheme}://{'.'.join(labels)}{':' + port if port else ''}"


def content_security_policy(*, tiles_url: str) -> dict:
    """django-csp's CONTENT_SECURITY_POLICY setting for a map whose tiles come from tiles_url."""
    tiles = tile_source(tiles_url)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            # data: for the icons embedded in Swagger UI's style sheet (the API docs page).
            "img-src": [SELF, "data:", *([tiles] if tiles else [])],
            "connect-src": [SELF],
            "font-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "form-action": [SELF],
            "frame-ancestors": [NONE],
        }
    }
