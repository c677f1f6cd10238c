"""The public website and the member portal."""

import datetime as dt

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "kolk.web"
    verbose_name = _("Website")

    def ready(self) -> None:
        from kolk.core.periodic import periodic
        from kolk.web.tasks import expire_failed_logins

        periodic("web.expire_failed_logins", expire_failed_logins, every=dt.timedelta(minutes=15))
