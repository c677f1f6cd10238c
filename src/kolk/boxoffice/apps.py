import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoxofficeConfig(AppConfig):
    name = "kolk.boxoffice"
    verbose_name = _("Kassa")

    def ready(self) -> None:
        from kolk.boxoffice.tasks import release_expired_orders
        from kolk.core.periodic import periodic

        periodic("boxoffice.release_expired_orders", release_expired_orders, every=dt.timedelta(minutes=1))
