"""Top-level URLs: the site (Dutch at /, English at /en/), admin and the API."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from kolk.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
]
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("balie/", include("kolk.desk.urls")),
    path("", include("kolk.comms.urls")),
    path("", include("kolk.web.urls")),
    prefix_default_language=False,
)
