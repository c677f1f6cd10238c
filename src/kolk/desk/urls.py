from django.contrib.auth import views as auth_views
from django.urls import include, path

from kolk.desk import notice_views, views, workplace

app_name = "desk"
urlpatterns = [
    path("", views.home, name="home"),
    path("inloggen/", workplace.StaffLoginView.as_view(), name="login"),
    path("uitloggen/", auth_views.LogoutView.as_view(next_page="desk:login"), name="logout"),
    path("", include("kolk.desk.otp_urls")),
    path("personen/", views.person_find, name="person_find"),
    path("personen/<int:pk>/", views.person_page, name="person"),
    path("personen/<int:pk>/berichten/", notice_views.person_notices, name="person_notices"),
    path("", include("kolk.desk.privacy_urls")),
    path("", include("kolk.desk.office_urls")),
    path("", include("kolk.desk.comms_urls")),
    path("", include("kolk.desk.library_urls")),
    path("", include("kolk.desk.kiosk_urls")),
    path("kassa/", include("kolk.desk.boxoffice_urls")),
    path("api-sleutels/", include("kolk.desk.apikey_urls")),
]
