from django.urls import path

from kolk.web.views import cookies, public

app_name = "web"
urlpatterns = [
    path("", public.home, name="home"),
    path("privacy", public.privacy_statement, name="privacy"),
    path("cookies", cookies.cookies, name="cookies"),
]
