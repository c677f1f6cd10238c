import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BoxofficeConfig(AppConfig):
    name = "kolk.boxoffice"
    verbose_name = _("Kassa")

    def ready(self) -> None:
        from kolk.boxoffice.tasks import make_waitlist_offers, refund_mollie_payments, release_expired_orders
        from kolk.core.periodic import periodic

        periodic("boxoffice.release_expired_orders", release_expired_orders, every=dt.timedelta(minutes=1))
        periodic("boxoffice.refund_mollie_payments", refund_mollie_payments, every=dt.timedelta(minutes=15))
        periodic("boxoffice.make_waitlist_offers", make_waitlist_offers, every=dt.timedelta(minutes=1))
