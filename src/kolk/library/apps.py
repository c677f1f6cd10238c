from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LibraryConfig(AppConfig):
    name = "kolk.library"
    verbose_name = _("Bibliotheek")

    def ready(self) -> None:
        import datetime as dt

        from kolk.core.periodic import periodic
        from kolk.library.tasks import library_daily

        periodic("library.daily", library_daily, every=dt.timedelta(days=1), offset=dt.timedelta(hours=2))

        from kolk.billing.services.collections import collection_created
        from kolk.library.services.prenotification import on_collection_created

        collection_created.connect(on_collection_created, dispatch_uid="library.prenotification")
