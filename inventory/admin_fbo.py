"""FBO clusters and the marketplace's report of its FBO stock, read-only for planners."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdminMixin
from inventory.models import FboCluster, FboStockReport


@admin.register(FboCluster)
class FboClusterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "warehouse_count", "units_available", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FboCluster]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                warehouse_count=Count("warehouses", distinct=True),
                units_available=Sum("warehouses__fbo_reports__available"),
            )
        )

    @admin.display(description=_("warehouses"), ordering="warehouse_count")
    def warehouse_count(self, obj: FboCluster) -> int:
        return obj.warehouse_count

    @admin.display(description=_("units available"), ordering="units_available")
    def units_available(self, obj: FboCluster) -> int:
        return obj.units_available or 0


@admin.register(FboStockReport)
class FboStockReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "sku",
        "cluster",
        "warehouse",
        "available",
        "in_transit",
        "requested",
        "daily_sales",
        "days_of_cover",
        "reported_at",
    ]
    list_select_related = ["sku", "warehouse__cluster"]
    list_filter = ["warehouse__cluster", "warehouse"]
    search_fields = ["sku__code", "sku__name", "warehouse__code", "warehouse__name"]
    ordering = ["warehouse__cluster__name", "warehouse__code", "sku__code"]

    @admin.display(description=_("cluster"), ordering="warehouse__cluster__name")
    def cluster(self, obj: FboStockReport):
        return obj.warehouse.cluster
