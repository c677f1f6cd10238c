from django.urls import include, path

from kolk.web.views import account, contact, cookies, kiosk_pin, portal, portal_sections, public

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("privacy", public.privacy_statement, name="privacy"),
    path("cookies", cookies.cookies, name="cookies"),
    path("contact", contact.contact, name="contact"),
    path("nieuwsbrief", contact.newsletter, name="newsletter"),
    path("mijn/inloggen", account.LoginView.as_view(), name="login"),
    path("mijn/uitloggen", account.logout, name="logout"),
    path("mijn/wachtwoord-vergeten", account.PasswordResetView.as_view(), name="password_reset"),
    path("mijn/wachtwoord-vergeten/verstuurd", account.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mijn/wachtwoord/<uidb64>/<token>",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("mijn/wachtwoord/gewijzigd", account.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("mijn/", portal.home, name="portal"),
    path("mijn/toegang", portal.access, name="portal_access"),
    path("mijn/gegevens", portal.details, name="portal_details"),
    path("mijn/toestemmingen", portal.choices, name="portal_choices"),
    path("mijn/toestemmingen/wijzig", portal.choice_change, name="portal_choice_change"),
    path("mijn/activiteit", portal.activity, name="portal_activity"),
    path("mijn/download/<int:person_id>.json", portal.download, name="portal_download"),
    path("mijn/abonnement", portal_sections.subscription, name="portal_subscription"),
    path("mijn/leningen", portal_sections.loans, name="portal_loans"),
    path("mijn/leningen/<int:loan_id>/verlengen", portal_sections.loan_renew_view, name="portal_loan_renew"),
    path("mijn/reserveringen", portal_sections.reservations, name="portal_reservations"),
    path("mijn/reserveringen/plaatsen", portal_sections.reservation_place_view, name="portal_reservation_place"),
    path(
        "mijn/reserveringen/<int:reservation_id>/annuleren",
        portal_sections.reservation_cancel_view,
        name="portal_reservation_cancel",
    ),
    path("mijn/kaartjes", portal_sections.tickets, name="portal_tickets"),
    path("mijn/kaartjes/<int:order_id>", portal_sections.order_detail, name="portal_order"),
    path("mijn/facturen", portal_sections.invoices, name="portal_invoices"),
    path("mijn/facturen/<int:invoice_id>.pdf", portal_sections.invoice_download, name="portal_invoice_pdf"),
    path("mijn/berichten", portal_sections.messages_view, name="portal_messages"),
    path("mijn/privacyverzoek", portal_sections.rights, name="portal_rights"),
    path("mijn/pincode", kiosk_pin.kiosk_pin, name="portal_kiosk_pin"),
    path("catalogus", portal_sections.catalogue, name="catalogue"),
    path("kaarten/", include("kolk.web.shop_urls")),
]
