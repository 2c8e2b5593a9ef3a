"""Booking pages, mounted at the site's root (before the places' pages): the resource and
« Mes réservations » pages under `reservations/`, the staff's pages of a place under its own
address `lieux/<slug>/…` (no place slug ends in these words: `lieux/<slug>/` is the place).
"""

from django.urls import path

from . import staff_views, views

app_name = "bookings"

urlpatterns = [
    path("reservations/", views.my_bookings, name="mine"),
    path("reservations/agendas/", views.calendar_feeds, name="feeds"),
    path("reservations/agenda/<str:secret>.ics", views.secret_feed, name="secret_feed"),
    path("reservations/ressources/<int:resource_id>/", views.resource_week, name="week"),
    path("reservations/ressources/<int:resource_id>/reserver/", views.book, name="book"),
    path(
        "reservations/ressources/<int:resource_id>/reserver/serie/",
        views.book_series,
        name="book_series",
    ),
    path(
        "reservations/series/<int:series_id>/annuler/",
        views.cancel_series,
        name="cancel_series",
    ),
    path(
        "reservations/ressources/<int:resource_id>/agenda.ics",
        views.resource_feed,
        name="resource_feed",
    ),
    path("reservations/<int:booking_id>/modifier/", views.change, name="change"),
    path("reservations/<int:booking_id>/annuler/", views.cancel, name="cancel"),
    path("lieux/<slug:slug>/ressources/", views.place_resources, name="place_resources"),
    path(
        "lieux/<slug:slug>/ressources/nouvelle/",
        staff_views.resource_create,
        name="resource_create",
    ),
    path(
        "lieux/<slug:slug>/ressources/<int:resource_id>/modifier/",
        staff_views.resource_edit,
        name="resource_edit",
    ),
    path("lieux/<slug:slug>/habilitations/", staff_views.qualifications, name="qualifications"),
    path(
        "lieux/<slug:slug>/habilitations/<int:qualification_id>/attribuer/",
        staff_views.grant,
        name="grant",
    ),
    path(
        "lieux/<slug:slug>/habilitations/attributions/<int:grant_id>/retirer/",
        staff_views.revoke,
        name="revoke",
    ),
    path("lieux/<slug:slug>/reservations/", views.place_day, name="place_day"),
    path("lieux/<slug:slug>/tableau-de-bord/", views.dashboard, name="dashboard"),
]
