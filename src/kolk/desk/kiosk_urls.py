"""Desk URLs of self-service (kiosks and members' PINs), included from desk/urls.py."""

from django.urls import path

from kolk.desk import kiosk_views as views

urlpatterns = [
    path("zuilen/", views.kiosks, name="kiosks"),
    path("zuilen/<int:pk>/nieuw-wachtwoord/", views.rotate, name="kiosk_rotate"),
    path("zuilen/<int:pk>/aan-uit/", views.switch, name="kiosk_switch"),
    path("bieb/leden/<int:pk>/pincode/", views.member_pin, name="library_member_pin"),
]
