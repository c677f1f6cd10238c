"""Desk URLs of comms, included from desk/urls.py."""

from django.urls import path

from kolk.desk import comms_views as views

urlpatterns = [
    path("contact/", views.case_list, name="comms_cases"),
    path("contact/<int:pk>/", views.case_page, name="comms_case"),
    path("contact/<int:pk>/sluiten/", views.case_close_view, name="comms_case_close"),
    path("nieuwsbrief/", views.campaign_list, name="comms_campaigns"),
    path("nieuwsbrief/<int:pk>/", views.campaign_page, name="comms_campaign"),
    path("nieuwsbrief/<int:pk>/verzenden/", views.campaign_send_view, name="comms_campaign_send"),
    path("aanbiedingen/", views.offers_page, name="comms_offers"),
    path("aanbiedingen/brieven.csv", views.offers_letters_download, name="comms_offers_letters"),
    path("aanbiedingen/bellijst/", views.offers_call_list_page, name="comms_call_list"),
    path("aanbiedingen/bellijst.csv", views.offers_call_list_download, name="comms_call_list_csv"),
    path("aanbiedingen/bezwaar/<int:pk>/", views.offers_said_no, name="comms_said_no"),
]
