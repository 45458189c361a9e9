from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzonHandoverConfig(AppConfig):
    name = "marketplaces.ozon.handover"
    label = "ozon_handover"
    verbose_name = _("Ozon labels and hand-over")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from fulfilment import hooks
        from marketplaces.ozon.handover import documents

        hooks.on_order_documents(documents.order_documents)
        hooks.on_warehouse_documents(documents.warehouse_documents)
