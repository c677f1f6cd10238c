from django.urls import path

from kolk.web import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("privacy", views.privacy_statement, name="privacy"),
]
