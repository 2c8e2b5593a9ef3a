"""The trust pages, robots.txt and the favicon. Every page reads the publisher's identity from
`settings.PUBLISHER` (environment variables), so each instance states its own."""

from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from maillage.accounts.personal_data import sections

from .content import AUDITED_PAGES, PERSONAL_DATA

FAVICON = Path(__file__).resolve().parent / "static" / "legal" / "favicon.ico"
DAY_SECONDS = 24 * 3600


def _context(**extra) -> dict:
    return {"publisher": settings.PUBLISHER, **extra}


@require_safe
def legal_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/legal_notice.html", _context())


@require_safe
def personal_data(request: HttpRequest) -> HttpResponse:
    """What is collected, why, for how long, and how to exercise one's rights. The table is
    checked against the sections the apps register for the export (tests/legal): a new kind of
    personal data cannot go unmentioned."""
    registered = {section.name for section in sections()}
    rows = [row for row in PERSONAL_DATA if row.section is None or row.section in registered]
    return render(
        request,
        "legal/personal_data.html",
        _context(
            rows=rows,
            import_retention_days=settings.IMPORT_FILE_RETENTION_DAYS,
            lockout_failures=settings.AXES_FAILURE_LIMIT,
        ),
    )


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "legal/accessibility.html",
        _context(
            audit_date=date.fromisoformat(settings.ACCESSIBILITY_AUDIT_DATE),
            audited_pages=AUDITED_PAGES,
        ),
    )


@require_safe
def terms(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/terms.html", _context())


@require_safe
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "legal/contact.html", _context())


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Robots may read the public pages; account, staff, import and API-writing pages are of no
    use to a search engine. The sitemap's address is absolute, as the protocol requires."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /comptes/",
        "Disallow: /imports/",
        "Disallow: /reservations/",
        "Disallow: /mon-espace/",
        "Disallow: /i18n/",
        "Allow: /",
        f"Sitemap: {request.build_absolute_uri(reverse('legal:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@cache
def _favicon_bytes() -> bytes:
    return FAVICON.read_bytes()


@require_safe
@cache_control(public=True, max_age=DAY_SECONDS)
def favicon(request: HttpRequest) -> HttpResponse:
    """`/favicon.ico`, which browsers and feed readers ask for whatever the page says."""
    return HttpResponse(_favicon_bytes(), content_type="image/vnd.microsoft.icon")
