"""Public URLs of comms: the one-click unsubscribe link of every notice and marketing mail,
and the newsletter's confirmation link (double opt-in)."""

from django.urls import path

from kolk.comms import views

app_name = "comms"
urlpatterns = [
    path("afmelden/<str:token>", views.unsubscribe, name="unsubscribe"),
    path("nieuwsbrief/bevestigen/<str:token>", views.newsletter_confirm, name="newsletter_confirm"),
]
