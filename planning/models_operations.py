"""What Zapas learns from the seller's own operations: supplier lead times and reliability.

Imported at the end of ``planning/models.py`` so Django registers these models with the app.
Rows are recomputed from the receipts by ``planning.supplier_learning`` (each planning run,
and ``manage.py learn_suppliers``); nothing here is edited by hand.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import FieldConstraintMessages


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


class SupplierReceiptChunk(models.Model):
    """What supplier learning reads for the purchase orders of one order date: their lines
    and the receipts on them, as packed arrays (``planning.supplier_learning``).

    Kept between runs so that each night only the order dates whose orders or receipts
    changed are read again; ``fingerprint`` is that of the date's orders (ids, statuses,
    expected arrivals) when the chunk was built.
    """

    order_date = models.DateField(unique=True)
    fingerprint = models.CharField(max_length=64)
    receipts = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    data = models.BinaryField()
    built_at = models.DateTimeField()

    class Meta:
        ordering = ["order_date"]

    def __str__(self) -> str:
        return f"{self.order_date}: {self.lines} lines, {self.receipts} receipts"


class SupplierLearningMark(models.Model):
    """One row: how far the chunks have read the ledger (the last receipt movement's id,
    and when it was read) and what they were built under (time zone and layout; any change
    rebuilds them all)."""

    movement_id = models.BigIntegerField(default=0)
    key = models.CharField(max_length=96)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"receipts read to movement {self.movement_id}"


class PrepTimeRecommendation(models.Model):
    """How long a warehouse (``sku`` empty) or one SKU there really takes from acceptance to
    hand-over, and the FBS prep time that would have kept late shipments under the target.

    ``late_share[p]`` is the share of the measured orders that would have been late with a
    prep time of ``p`` working days; ``late_now`` under each order's SKUs' current setting.
    """

    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="prep_recommendations"
    )
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    computed_on = models.DateField()
    orders = models.PositiveIntegerField(_("orders measured"))
    hours_p50 = models.FloatField(_("median working hours"), null=True, blank=True)
    hours_p90 = models.FloatField(_("90 % within (working hours)"), null=True, blank=True)
    late_share = models.JSONField(default=list)
    current_days = models.PositiveSmallIntegerField(_("current prep (days)"))
    late_now = models.FloatField(_("late now"), null=True, blank=True)
    recommended_days = models.PositiveSmallIntegerField(_("recommended prep (days)"))
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["warehouse", "sku"]
        verbose_name = _("prep-time recommendation")
        verbose_name_plural = _("prep-time recommendations")
        permissions = [("apply_preptimerecommendation", "Can apply a prep-time recommendation")]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.sku_id or '*'}: {self.recommended_days} d"

    @property
    def recommended_late_share(self) -> float | None:
        if self.recommended_days < len(self.late_share):
            return self.late_share[self.recommended_days]
        return None


class PackingCapacity(FieldConstraintMessages, models.Model):
    """Orders a warehouse packs per working hour: learned from its history, or set by hand."""

    warehouse = models.OneToOneField(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="packing_capacity"
    )
    learned_orders_per_hour = models.FloatField(null=True, blank=True, editable=False)
    days_measured = models.PositiveIntegerField(default=0, editable=False)
    orders_per_hour = models.DecimalField(
        _("orders per hour (set by hand)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Leave empty to use the learned figure."),
    )
    packers = models.PositiveSmallIntegerField(
        default=1, help_text=_("People packing at that rate (one packer-hour = rate ÷ packers).")
    )
    computed_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["warehouse"]
        verbose_name = _("packing capacity")
        verbose_name_plural = _("packing capacities")
        constraints = [
            models.CheckConstraint(
                condition=Q(orders_per_hour__isnull=True) | Q(orders_per_hour__gt=0),
                name="packing_capacity_positive",
            ),
            models.CheckConstraint(condition=Q(packers__gte=1), name="packing_capacity_packers"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id}: {self.effective_orders_per_hour or '—'} orders/h"

    @property
    def effective_orders_per_hour(self) -> float | None:
        if self.orders_per_hour is not None:
            return float(self.orders_per_hour)
        return self.learned_orders_per_hour


class CapacityForecast(models.Model):
    """Orders due at a warehouse on one day of the next two weeks against its capacity."""

    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="capacity_forecast"
    )
    day = models.DateField()
    computed_on = models.DateField()
    open_due = models.PositiveIntegerField(_("open orders due"))
    expected_due = models.FloatField(_("expected new orders due"))
    capacity = models.FloatField(null=True, blank=True)
    excess = models.FloatField(default=0)
    extra_packer_hours = models.FloatField(default=0)

    class Meta:
        ordering = ["warehouse", "day"]
        verbose_name = _("capacity forecast")
        verbose_name_plural = _("capacity forecast")
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "day"], name="capacity_forecast_unique")
        ]

    def __str__(self) -> str:
        return f"{self.warehouse_id} {self.day}"

    @property
    def due(self) -> float:
        return self.open_due + self.expected_due


class CycleCountTask(models.Model):
    """One SKU × warehouse on a day's cycle-count list (``rank`` 1 = count first)."""

    plan_date = models.DateField()
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.CASCADE, related_name="cycle_counts"
    )
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()
    abc_class = models.CharField(max_length=1)
    urgency = models.FloatField(help_text=_("Days since the last count ÷ the class's interval."))
    days_since_count = models.PositiveIntegerField(null=True, blank=True)
    past_counts = models.PositiveIntegerField(default=0)
    past_variances = models.PositiveIntegerField(default=0)
    on_hand = models.IntegerField()

    class Meta:
        ordering = ["plan_date", "warehouse", "rank"]
        verbose_name = _("cycle count")
        verbose_name_plural = _("cycle-count plan")
        constraints = [
            models.UniqueConstraint(
                fields=["plan_date", "warehouse", "sku"], name="cycle_count_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_date} {self.warehouse_id} #{self.rank}"


class ExpediteSuggestion(models.Model):
    """Buy from a faster supplier item: the primary would arrive after the stock-out date.

    Both options are kept with what they would cost: the purchase and the cancelled orders
    their lead time would cause (penalty per order from the plan's tariffs).
    """

    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="+")
    computed_on = models.DateField()
    quantity = models.PositiveIntegerField()
    days_of_cover = models.FloatField()
    stockout_date = models.DateField(null=True, blank=True)
    primary_supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.CASCADE, related_name="+"
    )
    primary_lead_days = models.FloatField()
    primary_purchase_cost = models.FloatField()
    primary_cancelled_orders = models.FloatField()
    primary_total_cost = models.FloatField()
    backup_supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.CASCADE, related_name="+"
    )
    backup_lead_days = models.FloatField()
    backup_purchase_cost = models.FloatField()
    backup_cancelled_orders = models.FloatField()
    backup_total_cost = models.FloatField()

    class Meta:
        ordering = ["stockout_date", "sku"]
        verbose_name = _("expedite suggestion")
        verbose_name_plural = _("expedite suggestions")
        constraints = [models.UniqueConstraint(fields=["sku"], name="expedite_one_per_sku")]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.backup_supplier_id} instead of {self.primary_supplier_id}"

    @property
    def saving(self) -> float:
        return self.primary_total_cost - self.backup_total_cost
