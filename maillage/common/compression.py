"""Gzip for pages and API answers, except those that show a secret (docs/decisions.md,
"Compressing responses").

BREACH recovers a secret from a compressed HTTPS response when the attacker can both reflect
text of their choosing into the same response and measure its length. Django's CSRF token is
masked anew for every response, so it cannot be recovered that way, and Django's
GZipMiddleware pads each response with up to 100 random bytes ("Heal the Breach"). What stays
exposed is a secret printed unmasked next to reflected input: a new API token, a calendar feed's
secret address, a check-in QR code, a personal-data export. Views that print one are marked
with `never_compress` and go out uncompressed; everything else (lists, maps, the GeoJSON of
5,000 places, the API) is compressed.
"""

from functools import wraps

from django.middleware.gzip import GZipMiddleware

NO_COMPRESSION = "_maillage_never_compress"


def never_compress(view):
    """Mark `view`'s responses as holding a secret: they are never compressed."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        setattr(response, NO_COMPRESSION, True)
        return response

    return wrapper


class CompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware (with its random padding), skipping `never_compress` views."""

    def process_response(self, request, response):
        if getattr(response, NO_COMPRESSION, False):
            return response
        return super().process_response(request, response)
