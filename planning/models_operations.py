"""What Zapas learns from the seller's own operations: supplier lead times and reliability.

Imported at the end of ``planning/models.py`` so Django registers these models with the app.
Rows are recomputed from the receipts by ``planning.supplier_learning`` (each planning run,
and ``manage.py learn_suppliers``); nothing here is edited by hand.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SupplierPerformance(models.Model):
    """Lead time and reliability of a supplier (``sku`` empty) or of one supplier item.

    Days are calendar days from the purchase order's date to the day goods arrived; receipts
    count by units (a partial receipt weighs what it brought). ``learned_*`` are the figures
    the planner uses: the observed distribution blended with the stated one by ``data_share``.
    """

    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.CASCADE, related_name="performance"
    )
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    computed_on = models.DateField()
    receipts = models.PositiveIntegerField(_("receipts"), default=0)
    units_received = models.PositiveIntegerField(default=0)
    stated_mean_days = models.FloatField(_("stated mean (days)"))
    stated_sd_days = models.FloatField(_("stated spread (days)"))
    observed_mean_days = models.FloatField(null=True, blank=True)
    observed_sd_days = models.FloatField(null=True, blank=True)
    observed_p50_days = models.FloatField(null=True, blank=True)
    observed_p90_days = models.FloatField(null=True, blank=True)
    data_share = models.FloatField(
        default=0, help_text=_("Weight of the receipts against the stated figure (0–1).")
    )
    learned_mean_days = models.FloatField(_("learned mean (days)"))
    learned_sd_days = models.FloatField(_("learned spread (days)"))
    on_time_rate = models.FloatField(null=True, blank=True)
    fill_rate = models.FloatField(null=True, blank=True)
    average_delay_days = models.FloatField(null=True, blank=True)
    recent_on_time_rate = models.FloatField(null=True, blank=True)
    previous_on_time_rate = models.FloatField(null=True, blank=True)
    recent_delay_days = models.FloatField(null=True, blank=True)
    previous_delay_days = models.FloatField(null=True, blank=True)
    worsening = models.BooleanField(default=False)

    class Meta:
        ordering = ["supplier", "sku"]
        verbose_name = _("supplier performance")
        verbose_name_plural = _("supplier performance")
        constraints = [
            models.UniqueConstraint(
                fields=["supplier"],
                condition=Q(sku__isnull=True),
                name="supplier_performance_one_per_supplier",
            ),
            models.UniqueConstraint(
                fields=["supplier", "sku"],
                condition=Q(sku__isnull=False),
                name="supplier_performance_one_per_item",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.sku_id or '*'}"
