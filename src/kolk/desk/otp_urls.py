"""The second login step of privacy officers and administrators, included from desk/urls.py."""

from django.urls import path

from kolk.desk import otp_views as views

urlpatterns = [
    path("tweestaps/", views.verify, name="otp_verify"),
    path("tweestaps/instellen/", views.enrol, name="otp_enrol"),
]
