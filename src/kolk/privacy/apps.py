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

        periodic("privacy.seal_audit_chain", seal_audit_chain, every=dt.timedelta(minutes=1))
        from kolk.privacy.register import Text
        from kolk.privacy.registry import WHOLE, register_hold
        from kolk.privacy.rights import open_request_subjects

        # An open request may concern any of the person's data (to see it all, to keep
        # it for a claim): it holds them whole, for the month (at most three) it is open.
        register_hold(
            "open_request",
            lambda: open_request_subjects().values("subject_id"),
            Text(nl="een open verzoek van de persoon zelf", en="an open request of the person"),
            scope=WHOLE,
        )
        from kolk.privacy.erasure import erase_admin_log_lines
        from kolk.privacy.registry import register_erasure_hook
        from kolk.privacy.tasks import clear_expired_sessions

        register_erasure_hook("admin_log", erase_admin_log_lines)
        periodic("privacy.clear_sessions", clear_expired_sessions, every=dt.timedelta(days=1))
        periodic("privacy.retention", run_retention, every=dt.timedelta(days=1), offset=dt.timedelta(hours=2))
