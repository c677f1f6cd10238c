from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kolk.privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from kolk.privacy import checks, declarations  # noqa: F401  (registers them)

        # Each app's privacy.py declares the maps of models it does not define.
        autodiscover_modules("privacy")

        import datetime as dt

        from kolk.core.periodic import periodic
        from kolk.privacy.tasks import run_retention, seal_audit_chain

        periodic("privacy.seal_audit_chain", seal_audit_chain, every=dt.timedelta(minutes=5))
        periodic("privacy.retention", run_retention, every=dt.timedelta(days=1), offset=dt.timedelta(hours=2))
