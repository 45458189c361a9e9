from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OzonRatingConfig(AppConfig):
    name = "marketplaces.ozon.rating"
    label = "ozon_rating"
    verbose_name = _("Ozon rating")
    default_auto_field = "django.db.models.BigAutoField"
