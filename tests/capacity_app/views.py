"""JSON endpoints for the concurrency tests: 201 when the seat or slot is taken, 409 when not."""

import json
from datetime import datetime

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from maillage.audit.services import record, record_many
from maillage.common.actors import SYSTEM
from maillage.common.capacity import CapacityReached, SlotTaken
from maillage.common.timeranges import TimeRange

from . import services
from .models import Holder


@csrf_exempt
@require_POST
def take_seat(request, holder_id: int):
    try:
        seat = services.book_seat(holder_id=holder_id)
    except CapacityReached:
        return JsonResponse({"detail": "full"}, status=409)
    return JsonResponse({"id": seat.pk}, status=201)


@csrf_exempt
@require_POST
def hold_slot(request, resource_id: int):
    body = json.loads(request.body)
    during = TimeRange(datetime.fromisoformat(body["start"]), datetime.fromisoformat(body["end"]))
    try:
        slot = services.book_slot(resource_id=resource_id, during=during)
    except SlotTaken:
        return JsonResponse({"detail": "taken"}, status=409)
    return JsonResponse({"id": slot.pk}, status=201)


class _RollBackError(Exception):
    pass


@csrf_exempt
@require_POST
def record_audit_entries(request, holder_id: int):
    """Record `entries` audit entries about a holder in one transaction (`bulk`: with
    `record_many`), then commit (201) or, with `fail`, roll back (409)."""
    body = json.loads(request.body)
    holder = Holder.objects.get(pk=holder_id)
    try:
        with transaction.atomic():
            changes = [{"n": [None, f"{body['client']}.{n}"]} for n in range(body["entries"])]
            if body.get("bulk"):
                entries = [("test.bulk", holder.pk, change) for change in changes]
                record_many(actor=SYSTEM, object_type="capacity_app.holder", entries=entries)
            else:
                for change in changes:
                    record(actor=SYSTEM, action="test.parallel", target=holder, changes=change)
            if body.get("fail"):
                raise _RollBackError
    except _RollBackError:
        return JsonResponse({"detail": "rolled back"}, status=409)
    return JsonResponse({"entries": body["entries"]}, status=201)
