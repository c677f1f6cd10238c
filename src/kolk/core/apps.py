from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kolk.core"
    verbose_name = _("Kern")

    def ready(self) -> None:
        from kolk.core import checks  # noqa: F401  (registers the checks)
