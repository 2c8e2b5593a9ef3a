from django.urls import path

from . import views

app_name = "federation"

urlpatterns = [
    path("", views.peer_list, name="peers"),
    path("instances/<int:peer_id>/moissonner/", views.peer_harvest, name="harvest_now"),
    path("moissons/<int:job_id>/", views.harvest_detail, name="harvest"),
    path("doublons/", views.duplicate_list, name="duplicates"),
    path("doublons/<int:candidate_id>/", views.duplicate_decide, name="decide"),
    path("lieux/<int:place_id>/reprendre/", views.place_take_over, name="take_over"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<int:subscription_id>/etat/", views.webhook_toggle, name="webhook_toggle"),
]
