"""Events and registrations, created through the events services."""

from datetime import timedelta

from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from maillage.common.actors import SYSTEM
from maillage.events import services
from tests.bookings.factories import tomorrow_at


def event_data(place, **overrides):
    start = overrides.pop("start", None) or tomorrow_at(place, 18, days=3)
    values = {
        "title": "Repair café",
        "category": "repair",
        "description": "Venez **réparer** vos objets.",
        "start": start,
        "end": start + timedelta(hours=2),
        "capacity": 10,
    }
    values.update(overrides)
    return values


def make_event(place=None, *, actor=SYSTEM, network=None, **overrides):
    data = event_data(place or network.places.first(), **overrides) if place or network else None
    return services.create_event(actor=actor, place=place, network=network, data=data)


def run_queued_tasks() -> None:
    """Run the queued background tasks (event mail, then the mail it sends), as the worker
    would, until none is left."""
    while queued := list(DBTaskResult.objects.order_by("enqueued_at", "id")):
        DBTaskResult.objects.filter(pk__in=[task.pk for task in queued]).delete()
        for task in queued:
            import_string(task.task_path).call(**task.args_kwargs["kwargs"])
