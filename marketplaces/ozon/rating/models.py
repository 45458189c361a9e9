"""What Ozon says about the seller's FBS errors, imported daily (``rating.imports``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RatingSnapshot(models.Model):
    """One day's import for one account: Ozon's error index, its thresholds and ratings.

    ``index`` and the thresholds are percentages, as Ozon's personal account shows them.
    """

    account = models.ForeignKey(
        "ozon.OzonAccount", on_delete=models.CASCADE, related_name="rating_snapshots"
    )
    day = models.DateField(_("day"))
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)
    index = models.FloatField(_("Ozon's error index, %"), null=True, blank=True)
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    processing_costs = models.DecimalField(
        _("error processing costs"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(max_length=3, blank=True)
    warning_threshold = models.FloatField(null=True, blank=True)
    danger_threshold = models.FloatField(null=True, blank=True)
    history = models.JSONField(default=list, blank=True, help_text="/v1/rating/history values")
    summary = models.JSONField(default=list, blank=True, help_text="/v1/rating/summary groups")
    localization_percentage = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "account"]
        verbose_name = _("Ozon rating import")
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="ozon_rating_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.day}"


class IndexDay(models.Model):
    """Ozon's error index and processing costs of one day (``defects`` of the index info)."""

    account = models.ForeignKey("ozon.OzonAccount", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    index = models.FloatField()
    processing_costs = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["account", "date"]
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="ozon_index_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.index}"


class IndexPosting(models.Model):
    """A posting Ozon counts against the index, with what it charges for it."""

    account = models.ForeignKey("ozon.OzonAccount", on_delete=models.CASCADE, related_name="+")
    posting_number = models.CharField(max_length=64)
    error_type = models.CharField(max_length=24)
    error_at = models.DateTimeField(null=True, blank=True)
    delivery_schema = models.CharField(max_length=8, blank=True)
    index = models.FloatField(null=True, blank=True)
    charge_percent = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    charge_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    charge_currency = models.CharField(max_length=3, blank=True)
    product_price = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    product_currency = models.CharField(max_length=3, blank=True)
    has_grace_status = models.BooleanField(default=False)

    class Meta:
        ordering = ["-error_at", "posting_number"]
        verbose_name = _("posting in Ozon's error index")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "posting_number", "error_type"], name="ozon_index_posting_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting_number} {self.error_type}"
