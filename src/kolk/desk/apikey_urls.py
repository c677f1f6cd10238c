"""Desk URLs of the API keys (the administrator's), included from desk/urls.py."""

from django.urls import path

from kolk.desk import apikey_views as views

urlpatterns = [
    path("", views.apikeys, name="apikeys"),
    path("intrekken/", views.apikey_revoke, name="apikey_revoke"),
]
