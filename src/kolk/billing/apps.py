from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "kolk.billing"
    verbose_name = _("Facturatie")

    def ready(self) -> None:
        from kolk.billing import checks  # noqa: F401  (registers the checks)
