from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("inscription/", views.sign_up, name="sign_up"),
    path("inscription/envoyee/", views.sign_up_done, name="sign_up_done"),
    path("confirmer/<str:token>/", views.confirm, name="confirm"),
    path("mot-de-passe/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "mot-de-passe/envoye/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/change/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("jetons/", views.api_tokens, name="tokens"),
    path("jetons/<int:token_id>/revoquer/", views.revoke_token, name="revoke_token"),
    path("mes-donnees/", views.my_data, name="my_data"),
    path("mes-donnees/langue/", views.set_language, name="set_language"),
    path("mes-donnees/export.json", views.my_data_export, name="my_data_export"),
    path("mes-donnees/supprimer/", views.delete_my_account, name="delete_account"),
]
