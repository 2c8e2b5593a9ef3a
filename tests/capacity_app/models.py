from django.db import models

from maillage.common.capacity import SeatHolder, no_overlap_constraint


class Holder(SeatHolder):
    """Something with a number of seats (an event, a stock of tools)."""

    class Meta(SeatHolder.Meta):
        pass

    def __str__(self) -> str:
        return f"holder {self.pk}: {self.taken}/{self.capacity}"


class Seat(models.Model):
    """One seat taken (a registration, a loan)."""

    holder = models.ForeignKey(Holder, on_delete=models.CASCADE, related_name="seats")

    def __str__(self) -> str:
        return f"seat {self.pk} of holder {self.holder_id}"


class Resource(models.Model):
    """Something that holds one thing at a time (a room, a machine)."""

    name = models.CharField(max_length=50)

    def __str__(self) -> str:
        return self.name


class Slot(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="slots")
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="slot_ends_after_start"
            ),
            no_overlap_constraint(name="slot_no_overlap", resource="resource"),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id}: {self.start.isoformat()} – {self.end.isoformat()}"
