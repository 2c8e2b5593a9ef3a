from django.urls import path

from . import views

app_name = "events"

urlpatterns = [
    path("agenda/", views.agenda, name="agenda"),
    path("agenda.ics", views.agenda_feed, name="agenda_feed"),
    path("agenda/territoires/<str:ref>.ics", views.territory_feed, name="territory_feed"),
    path("agenda/reseaux/<slug:slug>.ics", views.network_feed, name="network_feed"),
    path("agenda/mes-inscriptions/<str:secret>.ics", views.own_feed, name="own_feed"),
    path("agenda/mes-inscriptions/nouvelle-adresse/", views.new_own_feed, name="new_own_feed"),
    path("lieux/<slug:slug>/evenements/", views.place_agenda, name="place_agenda"),
    path("lieux/<slug:slug>/evenements.ics", views.place_feed, name="place_feed"),
    path("lieux/<slug:slug>/evenements/nouveau/", views.create, name="create"),
    path("reseaux/<slug:slug>/evenements/nouveau/", views.network_create, name="network_create"),
    path("evenements/<int:event_id>/", views.detail, name="detail"),
    path("evenements/<int:event_id>.ics", views.event_ics, name="ics"),
    path("evenements/<int:event_id>/inscription/", views.register, name="register"),
    path("evenements/<int:event_id>/modifier/", views.edit, name="edit"),
    path("evenements/<int:event_id>/annuler/", views.cancel_event, name="cancel_event"),
    path("evenements/<int:event_id>/inscrits/", views.roll_call, name="roll_call"),
    path(
        "evenements/inscriptions/<int:registration_id>/annuler/",
        views.cancel_mine,
        name="cancel_mine",
    ),
    path("evenements/confirmer/<str:token>/", views.confirm, name="confirm"),
    path("evenements/desinscription/<str:token>/", views.cancel_link, name="cancel_link"),
]
