from django.urls import path

from kolk.desk import privacy_views as views

urlpatterns = [
    path("privacy/", views.office, name="privacy_office"),
    path("personen/<int:person_pk>/verzoek/", views.request_new, name="privacy_request_new"),
    path("verzoeken/<int:pk>/", views.request_page, name="privacy_request"),
    path("verzoeken/<int:pk>/inzage.<str:fmt>", views.access_view, name="privacy_access"),
]
