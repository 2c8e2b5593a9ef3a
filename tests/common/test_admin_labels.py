"""The admin is branded Maillage and every label it lists is translated (French first)."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.utils import translation

from maillage.common.admin_config import discover_admin
from tests.accounts.factories import AdminFactory
from tests.pages.page_helpers import parse, text

# Names that are the same word in both languages.
# Words French and English share (the admin shows them as they are in both languages).
SAME_IN_BOTH = {"EPCI", "votes", "participations"}


def _labels(language: str) -> dict[str, tuple[str, str]]:
    discover_admin()  # the admin modules are imported with the URLs, maybe not loaded yet
    with translation.override(language):
        return {
            model._meta.label: (
                str(apps.get_app_config(model._meta.app_label).verbose_name),
                str(model._meta.verbose_name_plural),
            )
            for model in admin.site._registry
        }


def test_every_app_and_model_of_the_admin_has_a_french_name_and_an_english_one():
    french, english = _labels("fr"), _labels("en")
    untranslated = [
        (label, name)
        for label in french
        for name, other in zip(french[label], english[label], strict=True)
        if name == other and name not in SAME_IN_BOTH
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_the_admin_says_maillage(client):
    client.force_login(AdminFactory(is_staff=True, is_superuser=True))
    page = parse(client.get("/admin/"))
    assert text(page.select_one("#site-name")) == "Maillage — administration"
    assert page.title.get_text().endswith("Administration de Maillage")
    assert "Tâches en arrière-plan" not in text(page.select_one("#content"))
    assert "Tentatives de connexion" in text(page.select_one("#content"))
    client.cookies["django_language"] = "en"
    assert "Login attempts" in text(parse(client.get("/admin/")).select_one("#content"))
