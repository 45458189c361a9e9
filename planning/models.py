"""Planning data: the demand history the engine reads (runs and suggestions come later)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class DemandSource(models.TextChoices):
    IMPORT = "import", "Imported sales history"
    ORDERS = "orders", "Marketplace orders"
    DEMO = "demo", "Demo data"


class DemandHistory(models.Model):
    """Units demanded of one SKU on one day, from one source.

    The planner sums sources. ``units`` is gross demand (sold or shipped), never negative;
    returns and cancellations are kept apart so they neither inflate nor hide demand.
    ``lost_units`` is demand that could not be served (stock-out cancellations).
    """

    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.CASCADE, related_name="demand_history"
    )
    date = models.DateField()
    source = models.CharField(
        max_length=8, choices=DemandSource.choices, default=DemandSource.IMPORT
    )
    units = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(
        default=0, help_text="Order lines that made up the demand."
    )
    returned_units = models.PositiveIntegerField(default=0)
    cancelled_units = models.PositiveIntegerField(default=0)
    lost_units = models.PositiveIntegerField(
        default=0, help_text="Wanted but not served (stock-out)."
    )
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    stocked_out = models.BooleanField(
        default=False, help_text="No stock that day: demand is censored."
    )

    class Meta:
        ordering = ["sku", "date"]
        verbose_name_plural = "demand history"
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "date", "source"], name="demand_history_unique_day"
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.date}: {self.units}"


class SalesImport(models.Model):
    """One imported sales file: what it held and what was done with it."""

    class Status(models.TextChoices):
        DONE = "done", "Imported"
        FAILED = "failed", "Rejected"
        UNCHANGED = "unchanged", "Already imported"

    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    rows_read = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_skipped = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["file_sha256"], condition=Q(status="done"), name="sales_import_done_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
