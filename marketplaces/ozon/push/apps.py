from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzonPushConfig(AppConfig):
    name = "marketplaces.ozon.push"
    label = "ozon_push"
    verbose_name = _("Ozon push notifications")
    default_auto_field = "django.db.models.BigAutoField"
