from django.contrib import admin

from marketplaces.ozon.fbo.models import ClusterLink, FboWarehouseLink, SupplyLink


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ClusterLink)
class ClusterLinkAdmin(ReadOnly):
    list_display = ("name", "ozon_cluster_id", "country", "cluster", "account", "updated_at")
    list_filter = ("account",)
    list_select_related = ("account", "cluster")
    search_fields = ("name",)


@admin.register(FboWarehouseLink)
class FboWarehouseLinkAdmin(ReadOnly):
    list_display = ("name", "ozon_warehouse_id", "warehouse", "cluster_link", "account")
    list_filter = ("account", "cluster_link")
    list_select_related = ("account", "warehouse", "cluster_link")
    search_fields = ("name", "warehouse__code")


@admin.register(SupplyLink)
class SupplyLinkAdmin(ReadOnly):
    list_display = ("order_number", "supply_id", "state", "transfer", "note", "account")
    list_filter = ("state", "account")
    list_select_related = ("account", "transfer")
    search_fields = ("order_number", "supply_id", "transfer__number")
