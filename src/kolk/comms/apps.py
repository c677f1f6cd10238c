import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommsConfig(AppConfig):
    name = "kolk.comms"
    verbose_name = _("Communicatie")

    def ready(self) -> None:
        from kolk.comms.tasks import flush_outbox, flush_sms
        from kolk.core.periodic import periodic

        # Retries queued and failed messages that are due, and recovers messages
        # whose sender died while holding them (see kolk.comms.outbox).
        periodic("comms.flush_outbox", flush_outbox, every=dt.timedelta(minutes=2))
        # The same for text messages (kolk.comms.sms).
        periodic("comms.flush_sms", flush_sms, every=dt.timedelta(minutes=2))
