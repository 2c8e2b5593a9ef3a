from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("lieux/<slug:slug>/", views.governance_place, name="place"),
    path("reseaux/<slug:slug>/", views.governance_network, name="network"),
    path("propositions/<int:pk>/", views.proposal_detail, name="proposal"),
    path("propositions/<int:pk>/commenter/", views.proposal_comment, name="comment"),
    path("propositions/<int:pk>/suivre/", views.proposal_follow, name="follow"),
    path("votes/<int:pk>/", views.vote_detail, name="vote"),
    path("votes/<int:pk>/gerer/", views.vote_manage, name="manage"),
    path("votes/<int:pk>/resultats/", views.vote_results, name="results"),
    path("votes/<int:pk>/bulletins.csv", views.ballots_csv, name="ballots_csv"),
    path("votes/<int:pk>/bulletins.json", views.ballots_json, name="ballots_json"),
]
