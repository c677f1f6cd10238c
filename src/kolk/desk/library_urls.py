"""Desk URLs of the library, included from desk/urls.py."""

from django.urls import path

from kolk.desk import circulation_views as circulation
from kolk.desk import collection_views as collection
from kolk.desk import join_views, workplace
from kolk.desk import library_views as views
from kolk.desk import money_views as money
from kolk.desk import notice_views as notices

urlpatterns = [
    path("werkplek/", workplace.workstation_set, name="workstation"),
    path("werkplek/kiezen/", workplace.workstation_pick, name="workstation_pick"),
    path("medewerkers/", workplace.staff_branches, name="staff_branches"),
    path("bieb/", circulation.member_find, name="library_find"),
    path("bieb/inschrijven/", views.register, name="library_register"),
    path("bieb/innemen/", circulation.checkin, name="library_checkin"),
    path("bieb/klaarleggen/", circulation.pulls, name="library_pulls"),
    path("bieb/brieven/", notices.letters_page, name="library_letters"),
    path("bieb/brieven/afgedrukt/", notices.letters_printed, name="library_letters_printed"),
    path("bieb/leden/<int:pk>/", circulation.member_page, name="library_member"),
    path("bieb/leden/<int:pk>/uitlenen/", circulation.checkout, name="library_checkout"),
    path("bieb/leden/<int:pk>/blokkeren/", views.block, name="library_block"),
    path("bieb/leden/<int:pk>/bevestigen/", join_views.join_confirm, name="library_join_confirm"),
    path("bieb/leden/<int:pk>/reserveren/", views.reserve, name="library_reserve"),
    path("bieb/leden/<int:pk>/opzeggen/", views.cancel, name="library_cancel"),
    path("bieb/leden/<int:pk>/abonnement/", views.subscribe, name="library_subscribe"),
    path("bieb/leden/<int:pk>/factureren/", views.invoice, name="library_invoice"),
    path("bieb/leden/<int:pk>/afrekenen/", money.pay, name="library_pay"),
    path("bieb/leden/<int:pk>/kwitantie/", money.receipt, name="library_receipt"),
    path("bieb/leden/<int:pk>/machtiging/", money.mandate_paper, name="library_mandate"),
    path("bieb/leden/<int:pk>/kwijtschelden/", money.write_off, name="library_write_off"),
    path("bieb/catalogus/", collection.catalogue, name="library_catalogue"),
    path("bieb/catalogus/marc/", collection.marc_upload, name="library_marc"),
    path("bieb/titels/<int:pk>/", collection.title_page, name="library_title"),
    path("bieb/exemplaren/<int:pk>/status/", collection.copy_status, name="library_copy_status"),
    path("bieb/exemplaren/<int:pk>/etiket/", collection.copy_label, name="library_label"),
    path("bieb/blokkeringen/<int:pk>/opheffen/", views.unblock, name="library_unblock"),
    path("bieb/leden/<int:pk>/alles-verlengen/", circulation.renew_all, name="library_renew_all"),
    path("bieb/leden/<int:pk>/bon-mailen/", circulation.slip_mail, name="library_slip_mail"),
    path("bieb/uitleningen/<int:pk>/verlengen/", circulation.renew, name="library_renew"),
    path("bieb/reserveringen/<int:pk>/annuleren/", views.reservation_cancel_view, name="library_reservation_cancel"),
]
