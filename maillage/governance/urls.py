from django.urls import path

from . import manage_views, views

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
    # staff pages (manage_views)
    path(
        "lieux/<slug:slug>/instances/", manage_views.bodies, {"kind": "place"}, name="bodies_place"
    ),
    path(
        "reseaux/<slug:slug>/instances/",
        manage_views.bodies,
        {"kind": "network"},
        name="bodies_network",
    ),
    path("instances/<int:pk>/", manage_views.body_detail, name="body"),
    path("instances/<int:pk>/colleges/", manage_views.body_colleges, name="body_colleges"),
    path("instances/<int:pk>/membres/", manage_views.body_member_add, name="body_member_add"),
    path(
        "instances/<int:pk>/membres/<int:member_pk>/retirer/",
        manage_views.body_member_remove,
        name="body_member_remove",
    ),
    path(
        "instances/<int:pk>/propositions/nouvelle/",
        manage_views.proposal_create,
        name="proposal_create",
    ),
    path("instances/<int:pk>/votes/nouveau/", manage_views.vote_create, name="vote_create"),
    path("propositions/<int:pk>/modifier/", manage_views.proposal_edit, name="proposal_edit"),
    path("propositions/<int:pk>/etat/", manage_views.proposal_move, name="proposal_move"),
    path("votes/<int:pk>/modifier/", manage_views.vote_edit, name="vote_edit"),
]
