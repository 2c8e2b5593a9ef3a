from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("lieux/<slug:slug>/adherer/", views.join, name="join"),
    path("lieux/<slug:slug>/membres/", views.manage_members, name="manage"),
    path("lieux/<slug:slug>/membres/inviter/", views.invite, name="invite"),
    path("lieux/<slug:slug>/membres/<int:pk>/formule/", views.membership_plan, name="plan"),
    path(
        "lieux/<slug:slug>/membres/<int:pk>/<slug:action>/",
        views.membership_action,
        name="action",
    ),
    path("lieux/<slug:slug>/formules/", views.plans, name="plans"),
    path("lieux/<slug:slug>/formules/<int:pk>/", views.plan_edit, name="plan_edit"),
    path("lieux/<slug:slug>/sommes-dues/", views.charges, name="charges"),
    path("lieux/<slug:slug>/sommes-dues/releve.csv", views.statement_csv, name="statement"),
    path("lieux/<slug:slug>/annuaire/", views.member_directory, name="directory"),
    path("mon-espace/", views.my_space, name="my_space"),
    path("mon-espace/adhesions/<int:pk>/annuaire/", views.my_consent, name="consent"),
    path(
        "mon-espace/adhesions/<int:pk>/<slug:action>/",
        views.my_membership_action,
        name="my_action",
    ),
    path("adhesions/invitation/<str:token>/", views.invitation, name="invitation"),
]
