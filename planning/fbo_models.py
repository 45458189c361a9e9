"""What a marketplace tells the planner about FBO and its charges, per SKU.

``ClusterDemand``: FBO units sold per SKU, buyer's cluster and day (and how many of them were
shipped from another cluster); the planner sizes each cluster's FBO supply by it.
``CostObservation``: what the marketplace really charged (per seller cancellation) or
measured (the share of local orders), per SKU or for the whole catalogue. Written by the
services in ``planning.fbo_inputs``; fed by the marketplace apps.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClusterDemand(models.Model):
    """FBO demand of one SKU in one buyer's cluster on one day (units), from one feed."""

    source = models.CharField(max_length=32, help_text=_("The feed, e.g. ozon:<account id>."))
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey("inventory.FboCluster", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    units = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    non_local_units = models.PositiveIntegerField(
        default=0, help_text=_("Units shipped to this cluster from another one.")
    )

    class Meta:
        ordering = ["-date", "sku", "cluster"]
        verbose_name = _("FBO demand by cluster")
        verbose_name_plural = _("FBO demand by cluster")
        indexes = [models.Index(fields=["date", "sku"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sku", "cluster", "date"], name="cluster_demand_once"
            ),
            models.CheckConstraint(
                condition=Q(non_local_units__lte=models.F("units")),
                name="cluster_demand_non_local_within_units",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} {self.cluster_id} {self.date}: {self.units}"


class CostKind(models.TextChoices):
    CANCEL_CHARGE = "cancel_charge", _("Charge per seller cancellation")
    LOCAL_SHARE = "local_share", _("Share of FBO orders served in the buyer's cluster")


class CostObservation(models.Model):
    """A measured cost input: per SKU, or for the whole catalogue when ``sku`` is empty."""

    kind = models.CharField(max_length=16, choices=CostKind.choices)
    sku = models.ForeignKey(
        "inventory.Sku", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    value = models.DecimalField(
        max_digits=14, decimal_places=4, help_text=_("Money per cancellation, or a share 0–1.")
    )
    currency = models.CharField(max_length=3, blank=True)
    observations = models.PositiveIntegerField(default=0, help_text=_("Postings behind it."))
    source = models.CharField(max_length=32)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "sku"]
        verbose_name = _("measured cost input")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "sku"], condition=Q(sku__isnull=False), name="cost_obs_per_sku"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(sku__isnull=True), name="cost_obs_catalogue"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="cost_obs_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"
