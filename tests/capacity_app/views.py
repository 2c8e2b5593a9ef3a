"""JSON endpoints for the concurrency tests: 201 when the seat or slot is taken, 409 when not."""

import json
from datetime import datetime

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from maillage.common.capacity import CapacityReached, SlotTaken
from maillage.common.timeranges import TimeRange

from . import services


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
