"""A place's page shows its next events and the objects it lends, linking to the agenda and
the catalogue (issue 9: the place page leads to both)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maillage.common.actors import SYSTEM
from maillage.events.models import Visibility
from maillage.places.services import grant_place_role
from tests.accounts.factories import UserFactory
from tests.bookings.factories import tomorrow_at
from tests.events.factories import make_event
from tests.places.factories import make_place
from tests.sharing.factories import make_item, set_sharing

pytestmark = pytest.mark.django_db


def page(client, place):
    response = client.get(f"/lieux/{place.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_next_public_events_and_the_agenda_link(client):
    place = make_place(name="Fablab du Hédas")
    for days in (3, 1, 2, 4):
        make_event(place, title=f"Atelier J+{days}", start=tomorrow_at(place, 10, days=days))
    make_event(place, title="Réservé", visibility=Visibility.MEMBERS, start=tomorrow_at(place, 9))
    html = page(client, place)
    assert "Prochains événements" in html
    shown = [title for title in ("J+1", "J+2", "J+3", "J+4") if f"Atelier {title}" in html]
    assert shown == ["J+1", "J+2", "J+3"]
    assert "Réservé" not in html
    assert f'href="/lieux/{place.slug}/evenements/"' in html
    assert "Nouvel événement" not in html


def test_staff_see_the_way_to_a_new_event_even_without_events(client):
    place = make_place()
    staff = UserFactory()
    grant_place_role(place=place, user=staff, role="staff", actor=SYSTEM)
    assert "Prochains événements" not in page(client, place)
    client.force_login(staff)
    html = page(client, place)
    assert "Aucun événement à venir." in html
    assert f'href="/lieux/{place.slug}/evenements/nouveau/"' in html


def test_the_catalogue_count_and_link_when_the_place_lends(client):
    place = make_place()
    assert "Objets à emprunter" not in page(client, place)
    make_item(place, name="Perceuse")
    make_item(place, name="Scie sauteuse")
    html = page(client, place)
    assert "Ce lieu prête 2 objets." in html
    assert f'href="/lieux/{place.slug}/objets/"' in html


def test_a_private_catalogue_is_not_announced_to_visitors(client):
    place = make_place()
    make_item(place, name="Perceuse")
    set_sharing(place, catalogue_public=False)
    assert "Objets à emprunter" not in page(client, place)


def test_the_panels_cost_the_same_queries_for_three_or_thirty_events(client):
    place = make_place()
    for days in range(1, 4):
        make_event(place, title=f"E{days}", start=tomorrow_at(place, 10, days=days))
        make_item(place, name=f"Objet {days}")
    with CaptureQueriesContext(connection) as few:
        page(client, place)
    for days in range(4, 31):
        make_event(place, title=f"E{days}", start=tomorrow_at(place, 10, days=days))
        make_item(place, name=f"Objet {days}")
    with CaptureQueriesContext(connection) as many:
        page(client, place)
    assert len(many) == len(few)
