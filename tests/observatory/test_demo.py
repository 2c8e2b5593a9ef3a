"""The demo leaves a year of computed figures, and a second load writes nothing new."""

from datetime import timedelta

import pytest
from django.utils import timezone

from maillage.devtools.demo import load_demo_places
from maillage.devtools.demo_checkins import demo_places, load_demo_checkins
from maillage.devtools.demo_observatory import load_demo_figures
from maillage.observatory.models import AggregateValue, PlaceValue
from maillage.observatory.periods import last_months
from maillage.territories.services import load_territories

pytestmark = pytest.mark.django_db


def test_the_demo_places_have_a_year_of_figures_written_once():
    load_territories()
    load_demo_places()
    load_demo_checkins()
    first = load_demo_figures()
    assert first.places.created > 0
    place = demo_places()[0]
    months = [m.key for m in last_months(timezone.localdate() - timedelta(days=31), 2)]
    visits = PlaceValue.objects.filter(place=place, indicator="visits", period__in=months)
    assert visits.count() == 2 and all(row.value > 0 for row in visits)
    assert PlaceValue.objects.filter(place=place, indicator="hosted_organisations").exists()
    assert AggregateValue.objects.filter(level="epci", indicator="visits").exists()
    second = load_demo_figures()
    assert second.places.changed == 0
    assert second.aggregates.changed == 0
