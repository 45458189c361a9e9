"""Planning data: the demand history the engine reads, plan runs and their suggestions."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import simple_history
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.constraints import FieldConstraintMessages
from inventory.models import AbcClass, FulfilmentScheme, Sku


class DemandSource(models.TextChoices):
    IMPORT = "import", "Imported sales history"
    ORDERS = "orders", "Marketplace orders"
    FBO = "fbo", "Marketplace FBO sales"
    DEMO = "demo", "Demo data"


class DemandHistory(models.Model):
    """Units demanded of one SKU on one day, from one source.

    The planner sums sources. ``units`` is gross demand (sold or shipped), never negative;
    returns and cancellations are kept apart so they neither inflate nor hide demand.
    ``lost_units`` is demand that could not be served (stock-out cancellations).
    """

    # Its own index looks redundant next to the unique (sku, date, source) one, but the nightly
    # read streams the history grouped by SKU through it: without it PostgreSQL picks a parallel
    # seq scan and hash aggregate (read 10.5 → 22.6 s and 1.5 → 2.1 GB on 100,000 SKUs).
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


# --- Planning runs and their results ----------------------------------------------------------


class PlanRunQuerySet(models.QuerySet):
    def done(self) -> PlanRunQuerySet:
        return self.filter(status=PlanRun.Status.DONE)

    def current(self) -> PlanRun | None:
        """The run whose results are live: the latest finished run (by plan date, then id)."""
        return self.done().order_by("-plan_date", "-id").first()


class PlanRun(models.Model):
    """One planning run for one plan date.

    Results (``SkuPlan`` rows and suggestions) are written while the run is ``running``;
    finishing the run swaps them in atomically: the previous finished run of the same date
    becomes ``superseded`` and its untouched results are deleted. A failed run keeps its error
    and leaves the previous results in place. At most one run is ``running`` at a time
    (a partial unique constraint: the database refuses a second one).
    """

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    plan_date = models.DateField(help_text="The day planned for; history ends the day before.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    parameters = models.JSONField(default=dict, blank=True, help_text="Engine parameters used.")
    sku_codes = models.JSONField(
        default=list, blank=True, help_text="SKUs planned; empty = the whole active catalogue."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Last sign of life of the process running it (each stage of each chunk); a "
        "running run silent for ZAPAS_PLAN_DEAD_MINUTES is marked failed.",
    )
    timings = models.JSONField(
        default=dict, blank=True, help_text="Seconds per stage: read, engine, write, finalise."
    )
    chunk_count = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    sku_count = models.PositiveIntegerField(default=0, help_text="SKUs planned.")
    history_days = models.PositiveIntegerField(default=0)
    reorder_count = models.PositiveIntegerField(default=0, help_text="Reorder suggestions.")
    fbo_shipment_count = models.PositiveIntegerField(default=0, help_text="FBO suggestions.")
    scheme_change_count = models.PositiveIntegerField(default=0, help_text="Scheme decisions.")
    at_risk_count = models.PositiveIntegerField(
        default=0, help_text="SKUs whose stock-out probability is at or above the risk bar."
    )
    error = models.TextField(blank=True)
    triggered_by = models.CharField(
        max_length=64, blank=True, help_text="command, schedule, admin:<user>…"
    )
    task_id = models.CharField(max_length=64, blank=True, help_text="Celery chord id, if any.")

    objects = PlanRunQuerySet.as_manager()

    class Meta:
        ordering = ["-plan_date", "-id"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["status", "plan_date"])]
        constraints = [
            # The concurrency guard: the database itself refuses a second running run.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="plan_run_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"Plan {self.plan_date} #{self.pk} ({self.get_status_display()})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


@dataclass(frozen=True)
class RiskThreshold:
    """When a SKU counts as *at risk* (the At-risk list, its default filter, the dashboard).

    At risk = the stock-out probability over the risk horizon (the supplier lead time, plus
    the packing days for FBS: the time before an order placed today can help) is at least
    ``probability`` *and* at least ``min_cancelled_orders`` orders are expected to be lost.
    The default (0.5 and 0.5) says: more likely than not to run out before a replenishment
    can arrive, and it costs at least about one order in two. A bar of 1 − service level
    would list every SKU below its own safety target, which with long import lead times is
    most of a catalogue: a planning signal (the reorder suggestions), not an alarm.

    Settings: ``ZAPAS["RISK_THRESHOLD"]`` (probability) and
    ``ZAPAS["RISK_MIN_CANCELLED_ORDERS"]``; each run stores the values it used in
    ``PlanRun.parameters["risk"]`` so its list and count stay consistent.
    """

    probability: float = 0.5
    min_cancelled_orders: float = 0.5

    @classmethod
    def from_settings(cls) -> RiskThreshold:
        zapas = getattr(settings, "ZAPAS", {}) or {}
        return cls(
            probability=float(zapas.get("RISK_THRESHOLD", cls.probability)),
            min_cancelled_orders=float(
                zapas.get("RISK_MIN_CANCELLED_ORDERS", cls.min_cancelled_orders)
            ),
        )

    @classmethod
    def of_run(cls, run: PlanRun | None) -> RiskThreshold:
        """The threshold a run was made with; the settings for runs that stored none.

        Runs from before ``parameters["risk"]`` existed used the engine's ``risk_high``
        probability alone; that is honoured so their counts and lists still agree.
        """
        parameters: dict[str, Any] = (run.parameters or {}) if run is not None else {}
        stored = parameters.get("risk")
        try:
            if isinstance(stored, dict):
                return cls(float(stored["probability"]), float(stored["min_cancelled_orders"]))
            legacy = ((parameters.get("engine") or {}).get("tariffs") or {}).get("risk_high")
            if legacy is not None:
                return cls(probability=float(legacy), min_cancelled_orders=0.0)
        except (KeyError, TypeError, ValueError):
            pass
        return cls.from_settings()

    def as_dict(self) -> dict[str, float]:
        return {"probability": self.probability, "min_cancelled_orders": self.min_cancelled_orders}

    def condition(self) -> Q:
        """The filter on ``SkuPlan`` rows."""
        return Q(stockout_probability__gte=self.probability) & Q(
            expected_cancelled_orders__gte=self.min_cancelled_orders
        )


class SkuPlan(models.Model):
    """Every figure the engine produced for one SKU in one run (quantities in units).

    ``days_of_cover`` and ``stockout_date`` are empty when stock never runs out within the
    look-ahead (no demand). ``scheme_reasons`` is the engine's bitmask; ``reasons`` decodes it.
    """

    run = models.ForeignKey(PlanRun, on_delete=models.CASCADE, related_name="sku_plans")
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="plans")
    plan_date = models.DateField()
    # classification
    demand_class = models.CharField(max_length=12)
    abc_class = models.CharField(max_length=1)
    revenue = models.FloatField(default=0, help_text="Revenue over the ABC window.")
    adi = models.FloatField(null=True, blank=True, help_text="Mean days between demands.")
    cv2 = models.FloatField(default=0)
    # forecast
    method = models.CharField(max_length=16)
    forecast_mean = models.FloatField(help_text="Units per day over the horizon.")
    forecast_sd = models.FloatField(help_text="Sd of the daily forecast error, units/day.")
    holdout_mase = models.FloatField(null=True, blank=True)
    holdout_rmsse = models.FloatField(null=True, blank=True)
    holdout_bias = models.FloatField(null=True, blank=True)
    # policy
    service_level = models.FloatField(help_text="Target used (SKU's own or its class's).")
    lead_time_days = models.FloatField()
    review_days = models.FloatField()
    lead_time_demand_mean = models.FloatField()
    lead_time_demand_sd = models.FloatField()
    distribution = models.CharField(max_length=20)
    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    order_up_to = models.FloatField()
    available = models.IntegerField(help_text="On hand − reserved over own warehouses.")
    on_order = models.IntegerField(help_text="Open purchase-order lines.")
    in_transit = models.IntegerField(help_text="Inbound units shipped, not yet received.")
    inventory_position = models.FloatField()
    suggested_order = models.IntegerField(help_text="Rounded to MOQ and pack size.")
    # risk
    risk_horizon_days = models.FloatField()
    stockout_probability = models.FloatField()
    expected_units_short = models.FloatField()
    expected_cancelled_orders = models.FloatField()
    days_of_cover = models.FloatField(null=True, blank=True)
    stockout_date = models.DateField(null=True, blank=True)
    # fulfilment scheme
    fbo_monthly_cost = models.FloatField()
    fbs_monthly_cost = models.FloatField()
    current_scheme = models.CharField(max_length=4)
    recommended_scheme = models.CharField(max_length=4)
    scheme_reasons = models.IntegerField(default=0)

    class Meta:
        ordering = ["run", "sku"]
        verbose_name = "SKU plan"
        constraints = [
            models.UniqueConstraint(fields=["run", "sku"], name="sku_plan_unique_per_run"),
        ]
        indexes = [models.Index(fields=["sku", "plan_date"])]

    def __str__(self) -> str:
        return f"{self.sku_id} on {self.plan_date}"

    @property
    def reasons(self) -> list[str]:
        from planning.engine.schema import REASON_NAMES

        return [name for b, name in enumerate(REASON_NAMES) if self.scheme_reasons >> b & 1]


class SuggestionStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    ORDERED = "ordered", "Ordered"
    DISMISSED = "dismissed", "Dismissed"


#: Suggestions a new run must never overwrite or delete.
DECIDED_STATUSES = (SuggestionStatus.APPROVED, SuggestionStatus.ORDERED)


class ReorderSuggestion(FieldConstraintMessages, models.Model):
    """Buy ``quantity`` units of a SKU from a supplier into a warehouse.

    proposed → approved → ordered (a draft purchase order exists), or dismissed.
    """

    run = models.ForeignKey(
        PlanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="reorders"
    )
    plan_date = models.DateField()
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.CASCADE, related_name="reorder_suggestions"
    )
    supplier = models.ForeignKey(
        "inventory.Supplier", on_delete=models.PROTECT, related_name="reorder_suggestions"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="reorder_suggestions",
        help_text="Destination (an own warehouse).",
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    expected_arrival = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED
    )
    purchase_order = models.ForeignKey(
        "inventory.PurchaseOrder",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-plan_date", "supplier", "sku"]
        indexes = [
            models.Index(fields=["status", "plan_date"]),
            models.Index(fields=["sku", "status"]),
        ]
        permissions = [("approve_reordersuggestion", "Can approve reorder suggestions")]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="reorder_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity} ({self.get_status_display()})"


class FboShipmentSuggestion(FieldConstraintMessages, models.Model):
    """Send ``quantity`` units of a SKU to a marketplace (FBO) warehouse.

    proposed → ordered (a draft transfer exists), or dismissed.
    """

    run = models.ForeignKey(
        PlanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="fbo_shipments"
    )
    plan_date = models.DateField()
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.CASCADE, related_name="fbo_shipment_suggestions"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        on_delete=models.PROTECT,
        related_name="fbo_shipment_suggestions",
        help_text="The FBO warehouse to send to.",
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED
    )
    transfer = models.ForeignKey(
        "inventory.Transfer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestions",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-plan_date", "warehouse", "sku"]
        verbose_name = "FBO shipment suggestion"
        indexes = [models.Index(fields=["status", "plan_date"])]
        permissions = [
            ("approve_fboshipmentsuggestion", "Can turn FBO shipment suggestions into transfers")
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fbo_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} × {self.quantity} → {self.warehouse_id}"


class FulfilmentDecision(models.Model):
    """The engine recommends a different fulfilment scheme for a SKU; a person decides.

    proposed → approved (``Sku.scheme`` switched), or dismissed.
    """

    run = models.ForeignKey(
        PlanRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    plan_date = models.DateField()
    sku = models.ForeignKey(
        "inventory.Sku", on_delete=models.CASCADE, related_name="fulfilment_decisions"
    )
    current_scheme = models.CharField(max_length=4, choices=FulfilmentScheme.choices)
    recommended_scheme = models.CharField(max_length=4, choices=FulfilmentScheme.choices)
    fbo_monthly_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    fbs_monthly_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(
        max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.PROPOSED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-plan_date", "sku"]
        indexes = [models.Index(fields=["status", "plan_date"])]
        permissions = [("approve_fulfilmentdecision", "Can approve fulfilment scheme decisions")]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.current_scheme} → {self.recommended_scheme}"

    @property
    def monthly_saving(self) -> Decimal:
        if self.recommended_scheme == FulfilmentScheme.FBO:
            return self.fbs_monthly_cost - self.fbo_monthly_cost
        return self.fbo_monthly_cost - self.fbs_monthly_cost


class ServiceLevelTarget(FieldConstraintMessages, models.Model):
    """Target cycle service level of an ABC class; used when ``Sku.service_level`` is empty."""

    abc_class = models.CharField(max_length=1, choices=AbcClass.choices, unique=True)
    service_level = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["abc_class"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service_level__gte=Decimal("0.5"))
                & Q(service_level__lte=Decimal("0.999")),
                name="service_level_target_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.abc_class}: {self.service_level}"


# Who changed a SKU's planning overrides (service level, scheme, …) and when.
simple_history.register(Sku, app="planning")


# --- Admin views with their own permissions (proxies: no tables of their own) -----------------


class AtRiskSku(SkuPlan):
    """The latest run's SKU plans ordered by margin at risk (the planners' "At risk" list)."""

    class Meta:
        proxy = True
        verbose_name = "SKU at risk"
        verbose_name_plural = "SKUs at risk"


class SkuServiceLevel(Sku):
    """A SKU's own service-level override: planners may change it, buyers may not."""

    class Meta:
        proxy = True
        verbose_name = "SKU service level"
        verbose_name_plural = "SKU service levels"


# What the seller's own operations teach (suppliers, prep time, packing capacity), and the
# promises each run states with their audits: modules of their own.
from planning.fbo_models import ClusterDemand, CostObservation  # noqa: E402,F401
from planning.models_operations import (  # noqa: E402, F401
    CapacityForecast,
    CycleCountTask,
    ExpediteSuggestion,
    PackingCapacity,
    PrepTimeRecommendation,
    SupplierLearningMark,
    SupplierPerformance,
    SupplierReceiptChunk,
)
from planning.promise_models import FrontierResult, Promise, PromiseAudit  # noqa: E402,F401
