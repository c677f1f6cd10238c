from django.urls import include, path

from kolk.web.views import account, cookies, portal, public

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("privacy", public.privacy_statement, name="privacy"),
    path("cookies", cookies.cookies, name="cookies"),
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
    path("kaarten/", include("kolk.web.shop_urls")),
]
