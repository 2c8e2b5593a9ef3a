"""The trust pages (`/mentions-legales/`, …) and the files robots and browsers ask for at the
root (`/robots.txt`, `/sitemap.xml`, `/favicon.ico`)."""

from django.contrib.sitemaps.views import index as sitemap_index
from django.contrib.sitemaps.views import sitemap
from django.urls import path
from django.views.decorators.cache import cache_page

from . import views
from .sitemaps import SITEMAPS

app_name = "legal"

SITEMAP_SECONDS = 3600

urlpatterns = [
    path("mentions-legales/", views.legal_notice, name="legal_notice"),
    path("donnees-personnelles/", views.personal_data, name="personal_data"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("conditions-d-utilisation/", views.terms, name="terms"),
    path("contact/", views.contact, name="contact"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon, name="favicon"),
    path(
        "sitemap.xml",
        cache_page(SITEMAP_SECONDS)(sitemap_index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "legal:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_page(SITEMAP_SECONDS)(sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
