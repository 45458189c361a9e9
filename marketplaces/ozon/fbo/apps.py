from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzonFboConfig(AppConfig):
    name = "marketplaces.ozon.fbo"
    label = "ozon_fbo"
    verbose_name = _("Ozon FBO")
    default_auto_field = "django.db.models.BigAutoField"
