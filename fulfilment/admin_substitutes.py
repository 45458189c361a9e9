"""Short orders that an in-stock substitute could save: which SKU is missing, what could go
instead and how many are free. A fixed number of queries per page (offers are read in bulk)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdminMixin
from core.times import warehouse_time
from fulfilment.models import SavableShortOrder
from fulfilment.substitutes import savable_short_orders, substitute_offers_for


@admin.register(SavableShortOrder)
class SavableShortOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("external_number", "warehouse", "ship_by_local", "offers")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse",)
    search_fields = ("external_number",)
    ordering = ("ship_by",)

    ship_by_local = warehouse_time("ship_by", _("ship by (warehouse time)"))

    def get_queryset(self, request: HttpRequest):
        return savable_short_orders().select_related("warehouse")

    def get_changelist_instance(self, request: HttpRequest):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)  # fills the page's cache: the same instances render
        offers = substitute_offers_for(rows)
        for row in rows:
            row.substitute_offers = offers.get(row.pk, [])
        return changelist

    @admin.display(description=_("missing → substitute in stock"))
    def offers(self, obj: SavableShortOrder) -> str:
        return format_html_join(
            ", ",
            "{} × {} → {} ({} free)",
            (
                (o.missing_units, o.missing_code, o.code, o.available)
                for o in getattr(obj, "substitute_offers", [])
            ),
        )
