"""Which Ozon cluster and warehouse is which Zapas cluster and FBO warehouse, per account."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClusterLink(models.Model):
    """An Ozon macrolocal cluster (``/v2/cluster/list``) and the Zapas cluster it feeds."""

    account = models.ForeignKey("ozon.OzonAccount", on_delete=models.CASCADE, related_name="+")
    ozon_cluster_id = models.BigIntegerField()
    name = models.CharField(_("name"), max_length=200)
    country = models.CharField(_("country"), max_length=100, blank=True)
    cluster = models.ForeignKey("inventory.FboCluster", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "name"]
        verbose_name = _("Ozon cluster")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "ozon_cluster_id"], name="ozon_cluster_link_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FboWarehouseLink(models.Model):
    """An Ozon FBO warehouse and the Zapas warehouse (kind FBO) standing for it."""

    account = models.ForeignKey("ozon.OzonAccount", on_delete=models.CASCADE, related_name="+")
    ozon_warehouse_id = models.BigIntegerField()
    name = models.CharField(_("name"), max_length=200)
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    cluster_link = models.ForeignKey(
        ClusterLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="warehouses"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "name"]
        verbose_name = _("Ozon FBO warehouse")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "ozon_warehouse_id"], name="ozon_fbo_warehouse_link_once"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PostingRoute(models.Model):
    """Where an FBO posting shipped from and went to (``financial_data.cluster_from/_to``).

    Ozon names the clusters by a string (an identifier or the cluster's name); it is kept as
    given and matched against the clusters when demand is counted.
    """

    account = models.ForeignKey("ozon.OzonAccount", on_delete=models.CASCADE, related_name="+")
    posting_number = models.CharField(max_length=64)
    cluster_from = models.CharField(max_length=200, blank=True)
    cluster_to = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "posting_number"], name="ozon_posting_route_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posting_number}: {self.cluster_from} → {self.cluster_to}"


class SupplyLink(models.Model):
    """An Ozon FBO supply (one per storage warehouse of a supply order) and its Zapas transfer."""

    account = models.ForeignKey("ozon.OzonAccount", on_delete=models.CASCADE, related_name="+")
    supply_id = models.BigIntegerField()
    order_id = models.BigIntegerField()
    order_number = models.CharField(_("supply order"), max_length=64, blank=True)
    bundle_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("Ozon state"), max_length=40)
    transfer = models.ForeignKey(
        "inventory.Transfer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-order_id", "supply_id"]
        verbose_name = _("Ozon supply")
        constraints = [
            models.UniqueConstraint(fields=["account", "supply_id"], name="ozon_supply_link_once"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number or self.order_id}/{self.supply_id}"
