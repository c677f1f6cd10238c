"""Box-office staff pages: programme, halls and seat maps, the till of a show and of a theaterabonnement, the
season (series, presale), orders, check-in."""

from django.urls import path

from kolk.desk import boxoffice_views as views
from kolk.desk import season_views, voucher_views

urlpatterns = [
    path("", views.boxoffice_home, name="boxoffice"),
    path("cadeaubonnen/", voucher_views.vouchers_page, name="boxoffice_vouchers"),
    path("zalen/", views.halls, name="boxoffice_halls"),
    path("programma/", views.programme_new, name="boxoffice_programme"),
    path("show/<int:show_id>/", views.show_page, name="boxoffice_show"),
    path("show/<int:show_id>/voorverkoop/", season_views.show_presale, name="boxoffice_show_presale"),
    path("theaterabonnementen/", season_views.series_list, name="boxoffice_series"),
    path("theaterabonnementen/nieuw/", season_views.series_new, name="boxoffice_series_new"),
    path("theaterabonnementen/<int:series_id>/", season_views.series_till, name="boxoffice_series_till"),
    path("theaterabonnementen/<int:series_id>/wijzigen/", season_views.series_edit, name="boxoffice_series_edit"),
    path("show/<int:show_id>/leeftijd/", views.age_view, name="boxoffice_age"),
    path("show/<int:show_id>/scannen/", views.checkin, name="boxoffice_checkin"),
    path("show/<int:show_id>/scannen/binnen/", views.door_count_view, name="boxoffice_door_count"),
    path("show/<int:show_id>/scannen/lijst/", views.door_codes, name="boxoffice_door_codes"),
    path("show/<int:show_id>/scannen/sync/", views.door_sync, name="boxoffice_door_sync"),
    path("bestellingen/", views.orders_find_view, name="boxoffice_orders"),
    path("bestelling/<int:order_id>/", views.order_page, name="boxoffice_order"),
    path("bestelling/<int:order_id>/kaartjes-<str:paper>.pdf", views.order_tickets_pdf, name="boxoffice_tickets_pdf"),
    path("bestelling/<int:order_id>/opnieuw-sturen/", views.order_resend, name="boxoffice_resend"),
    path("bestelling/<str:token>/annuleren/", views.order_cancel_view, name="boxoffice_cancel"),
]
