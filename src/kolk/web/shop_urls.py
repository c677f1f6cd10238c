"""The public programme and ticket shop (anyone; a guest's order is reached by its secret token)."""

from django.urls import path

from kolk.web import basket_views, season_views, series_views, shop_views, voucher_views

app_name = "shop"
urlpatterns = [
    path("", shop_views.programme, name="programme"),
    path("show/<int:show_id>/", shop_views.show_page, name="show"),
    path("theaterabonnement/<int:series_id>/", series_views.series_page, name="series"),
    path("bestelling/<str:token>/", shop_views.order_page, name="order"),
    path("bestelling/<str:token>/betalen/", shop_views.order_pay_view, name="pay"),
    path("bestelling/<str:token>/betaling/", shop_views.payment_page, name="payment"),
    path("bestelling/<str:token>/betaling/stand/", shop_views.payment_status, name="payment_status"),
    path("bestelling/<str:token>/vrijgeven/", shop_views.order_release, name="release"),
    path("bestelling/<str:token>/winkelmand/<int:show_id>/", basket_views.basket_add_view, name="basket_add"),
    path("bestelling/<str:token>/winkelmand/<int:show_id>/weg/", basket_views.basket_remove_view, name="basket_remove"),
    path("show/<int:show_id>/wachtlijst/", season_views.waitlist_join_view, name="waitlist_join"),
    path("wachtlijst/<str:token>/", season_views.waitlist_offer_view, name="waitlist_offer"),
    path("bestelling/<str:token>/code/", season_views.order_code_view, name="order_code"),
    path("cadeaubon/", voucher_views.voucher_buy, name="voucher"),
    path("cadeaubon/<str:token>/", voucher_views.voucher_sale_page, name="voucher_sale"),
    path("cadeaubon/<str:token>/stand/", voucher_views.voucher_sale_status, name="voucher_sale_status"),
    path("cadeaubon/<str:token>/cadeaubon.pdf", voucher_views.voucher_sale_pdf, name="voucher_sale_pdf"),
    path("bestelling/<str:token>/kaartjes.pdf", shop_views.tickets_pdf_view, name="tickets_pdf"),
    path("bestelling/<str:token>/kaartje/<str:code>.pkpass", shop_views.ticket_wallet, name="ticket_wallet"),
]
