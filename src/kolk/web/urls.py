from django.urls import include, path

from kolk.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("privacy", views.privacy_statement, name="privacy"),
    path("kaarten/", include("kolk.web.shop_urls")),
]
