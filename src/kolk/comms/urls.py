"""Public URLs of comms: the one-click unsubscribe link of every notice and marketing mail."""

from django.urls import path

from kolk.comms import views

app_name = "comms"
urlpatterns = [
    path("afmelden/<str:token>", views.unsubscribe, name="unsubscribe"),
]
