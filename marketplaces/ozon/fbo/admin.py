from django.contrib import admin

from core.admin_mixins import ViewOnlyAdminMixin
from marketplaces.ozon.fbo.models import ClusterLink, FboWarehouseLink, SupplyLink


@admin.register(ClusterLink)
class ClusterLinkAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "ozon_cluster_id", "country", "cluster", "account", "updated_at")
    list_filter = ("account",)
    list_select_related = ("account", "cluster")
    search_fields = ("name",)


@admin.register(FboWarehouseLink)
class FboWarehouseLinkAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "ozon_warehouse_id", "warehouse", "cluster_link", "account")
    list_filter = ("account", "cluster_link")
    list_select_related = ("account", "warehouse", "cluster_link")
    search_fields = ("name", "warehouse__code")


@admin.register(SupplyLink)
class SupplyLinkAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("order_number", "supply_id", "state", "transfer", "note", "account")
    list_filter = ("state", "account")
    list_select_related = ("account", "transfer")
    search_fields = ("order_number", "supply_id", "transfer__number")
