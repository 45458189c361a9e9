from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzonChatConfig(AppConfig):
    name = "marketplaces.ozon.chat"
    label = "ozon_chat"
    verbose_name = _("Ozon buyer chat")
    default_auto_field = "django.db.models.BigAutoField"
