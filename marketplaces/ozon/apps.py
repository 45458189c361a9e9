from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzonConfig(AppConfig):
    name = "marketplaces.ozon"
    label = "ozon"
    verbose_name = _("Ozon")

    def ready(self) -> None:
        from marketplaces.ozon import handlers

        handlers.register()
