from django.urls import path

from . import views

urlpatterns = [
    path("holders/<int:holder_id>/seats", views.take_seat),
    path("resources/<int:resource_id>/slots", views.hold_slot),
    path("holders/<int:holder_id>/audit", views.record_audit_entries),
]
