from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kolk.api"
    verbose_name = "API"
