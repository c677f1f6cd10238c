from django.urls import path

from kolk.desk import privacy_views as views
from kolk.desk import views as person_views

urlpatterns = [
    path("privacy/", views.office, name="privacy_office"),
    path("personen/<int:person_pk>/verzoek/", views.request_new, name="privacy_request_new"),
    path("personen/<int:pk>/bezwaar/", person_views.person_objection, name="person_objection"),
    path("personen/<int:pk>/toestemming/", person_views.person_consent, name="person_consent"),
    path("verzoeken/<int:pk>/", views.request_page, name="privacy_request"),
    path("verzoeken/<int:pk>/inzage.<str:fmt>", views.access_view, name="privacy_access"),
]
