from django.urls import path

from kolk.desk import office_views as views

urlpatterns = [
    path("privacy/gelezen/", views.reads_find, name="office_reads_find"),
    path("privacy/gelezen/<int:pk>/", views.reads, name="office_reads"),
    path("privacy/verstrekkingen/", views.exports, name="office_exports"),
    path("privacy/vordering/", views.legal_demand, name="office_demand"),
    path("privacy/datalekken/", views.breaches, name="office_breaches"),
    path("privacy/datalekken/<int:pk>/", views.breach, name="office_breach"),
    path("privacy/register/", views.register_view, name="office_register"),
]
