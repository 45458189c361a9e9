from django.contrib import admin

from core.admin_mixins import ViewOnlyAdminMixin
from marketplaces.ozon.rating.models import IndexPosting, RatingSnapshot


@admin.register(RatingSnapshot)
class RatingSnapshotAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "day",
        "account",
        "index",
        "warning_threshold",
        "danger_threshold",
        "processing_costs",
        "currency",
        "localization_percentage",
        "imported_at",
    )
    list_filter = ("account",)
    list_select_related = ("account",)


@admin.register(IndexPosting)
class IndexPostingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "posting_number",
        "error_type",
        "error_at",
        "product_price",
        "charge_percent",
        "charge_price",
        "charge_currency",
        "has_grace_status",
        "account",
    )
    list_filter = ("error_type", "account", "has_grace_status")
    search_fields = ("posting_number",)
    list_select_related = ("account",)
