"""What each planning run promised per SKU, and the nightly audits that score those promises.

Imported at the end of ``planning.models`` (Django finds the models there).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

#: The levels a promise states quantiles at (``CataloguePlan.promise_levels``), and the column
#: each is stored in.
PROMISE_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)
QUANTILE_FIELDS: tuple[str, ...] = ("q50", "q80", "q90", "q95", "q99")


class Promise(models.Model):
    """What one run stated about one SKU's demand over its protection period.

    The period runs from the plan date for ``protection_days`` days (lead time + review, plus
    prep time for FBS): ``window_start`` … ``window_end``, both included. The quantiles and the
    mean are of the period's total demand, in units; ``stockout_probability`` is the stated risk
    that this total exceeds ``reorder_point``. ``calibration_applied`` is the level the reorder
    point was read at after recalibration (the target when there was none).

    The outcome is filled in once by the nightly audit after the period has passed:
    ``actual`` total demand (units + lost units, all sources) and ``censored`` (a stock-out day
    inside the period, so the demand that came is not fully known).
    """

    run = models.ForeignKey("planning.PlanRun", on_delete=models.CASCADE, related_name="promises")
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="promises")
    plan_date = models.DateField()
    protection_days = models.PositiveIntegerField()
    window_start = models.DateField()
    window_end = models.DateField()
    q50 = models.FloatField(_("50 % quantile"))
    q80 = models.FloatField(_("80 % quantile"))
    q90 = models.FloatField(_("90 % quantile"))
    q95 = models.FloatField(_("95 % quantile"))
    q99 = models.FloatField(_("99 % quantile"))
    mean = models.FloatField(help_text=_("Stated mean of the period's total demand."))
    stockout_probability = models.FloatField(
        help_text=_("Stated probability that the period's demand exceeds the reorder point.")
    )
    reorder_point = models.FloatField()
    service_level = models.FloatField(help_text=_("The target service level."))
    calibration_applied = models.FloatField(
        help_text=_("The level the reorder point was read at after recalibration.")
    )
    calibration_group = models.CharField(max_length=16)
    abc_class = models.CharField(max_length=1, blank=True)
    actual = models.FloatField(null=True, blank=True, help_text=_("Demand that came (units)."))
    censored = models.BooleanField(
        null=True, blank=True, help_text=_("A stock-out day inside the period.")
    )
    settled_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-plan_date", "sku"]
        verbose_name = _("promise")
        verbose_name_plural = _("promises")
        constraints = [
            models.UniqueConstraint(fields=["run", "sku"], name="promise_unique_per_run"),
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")),
                name="promise_window_ordered",
            ),
        ]
        indexes = [
            # the audit's two reads: open promises whose period has passed, settled ones by date
            models.Index(
                fields=["window_end"], condition=Q(actual__isnull=True), name="promise_open"
            ),
            models.Index(fields=["window_end", "run"], name="promise_window_end"),
            models.Index(fields=["sku", "plan_date"], name="promise_sku_date"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.window_start}…{self.window_end}"

    @property
    def quantiles(self) -> list[float]:
        return [getattr(self, name) for name in QUANTILE_FIELDS]


class PromiseAudit(models.Model):
    """One nightly audit: the promises whose period ended in ``window_from`` … ``window_to``,
    scored by ``planning.engine.audit.score_promises``.

    ``score`` holds the figures (coverage per group × level, achieved service per group ×
    target, bias, the reliability curve, bias per plan week), ``calibration`` the adjustment
    the next runs apply (``planning.engine.audit.to_calibration``), ``shortfalls`` the groups
    and targets more than the warning margin below target.
    """

    audit_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    window_from = models.DateField(help_text=_("Earliest period end scored."))
    window_to = models.DateField(help_text=_("Latest period end scored."))
    promises_settled = models.PositiveIntegerField(
        default=0, help_text=_("Promises whose outcome this audit filled in.")
    )
    promises_scored = models.PositiveIntegerField(default=0)
    promises_censored = models.PositiveIntegerField(default=0)
    total_bias = models.FloatField(null=True, blank=True)
    score = models.JSONField(default=dict, blank=True)
    calibration = models.JSONField(default=dict, blank=True)
    shortfalls = models.JSONField(default=list, blank=True)
    seconds = models.FloatField(default=0)
    triggered_by = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-audit_date", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("promise audit")
        verbose_name_plural = _("promise audits")

    def __str__(self) -> str:
        return f"Audit {self.audit_date} #{self.pk}"


class FrontierResult(models.Model):
    """One replay of both policies at several stock levels (``planning.frontier_runs``): fill
    rate against average inventory value for Zapas's service targets and the naive min/max's
    multipliers (``points``), and Zapas read at min/max's value and fill rate
    (``at_equal_stock``)."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    plan_date = models.DateField(help_text=_("End of the replayed period."))
    days = models.PositiveIntegerField(help_text=_("Days replayed."))
    skus = models.PositiveIntegerField()
    points = models.JSONField(default=list)
    at_equal_stock = models.JSONField(default=list)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("efficient frontier")
        verbose_name_plural = _("efficient frontiers")

    def __str__(self) -> str:
        return f"Frontier {self.plan_date} ({self.days} days)"
