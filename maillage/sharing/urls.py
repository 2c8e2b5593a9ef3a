from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("lieux/<slug:slug>/objets/", views.catalogue, name="catalogue"),
    path("lieux/<slug:slug>/objets/gestion/", views.manage, name="manage"),
    path("lieux/<slug:slug>/objets/reglages/", views.settings_page, name="settings"),
    path(
        "reseaux/<slug:slug>/banque-de-temps/",
        views.network_time_bank_page,
        name="network_time_bank",
    ),
    path("lieux/<slug:slug>/objets/nouveau/", views.item_form, name="item_new"),
    path("lieux/<slug:slug>/objets/<int:pk>/", views.item_detail, name="item"),
    path("lieux/<slug:slug>/objets/<int:pk>/modifier/", views.item_form, name="item_edit"),
    path("lieux/<slug:slug>/objets/<int:pk>/photos/", views.add_photo, name="add_photo"),
    path(
        "lieux/<slug:slug>/objets/<int:pk>/photos/<int:photo_pk>/supprimer/",
        views.delete_photo,
        name="delete_photo",
    ),
    path("lieux/<slug:slug>/objets/<int:pk>/reparation/", views.repair, name="repair"),
    path("lieux/<slug:slug>/objets/<int:pk>/emprunter/", views.borrow, name="borrow"),
    path("lieux/<slug:slug>/objets/<int:pk>/reserver/", views.reserve, name="reserve"),
    path("lieux/<slug:slug>/objets/<int:pk>/preter/", views.staff_checkout, name="checkout"),
    path(
        "lieux/<slug:slug>/prets/<int:pk>/retour/",
        views.staff_close_loan,
        {"closing": "return"},
        name="return",
    ),
    path(
        "lieux/<slug:slug>/prets/<int:pk>/perdu/",
        views.staff_close_loan,
        {"closing": "lost"},
        name="lost",
    ),
    path("objets/photos/<int:pk>/", views.photo, name="photo"),
    path("prets/<int:pk>/prolonger/", views.renew, name="renew"),
    path(
        "reservations-objets/<int:pk>/annuler/", views.cancel_reservation, name="cancel_reservation"
    ),
    path("mes-emprunts/", views.my_loans, name="my_loans"),
    path("entraide/", views.posts, name="posts"),
    path("entraide/nouvelle/", views.post_new, name="post_new"),
    path("entraide/<int:pk>/", views.post_detail, name="post"),
    path("entraide/<int:pk>/repondre/", views.post_answer, name="post_answer"),
    path(
        "entraide/<int:pk>/<str:action>/",
        views.post_action,
        name="post_action",
    ),
    path("entraide/echanges/<int:pk>/", views.conversation, name="conversation"),
]
