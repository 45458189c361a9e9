"""Planners' admin for what the warehouses' own history teaches: prep-time recommendations
(with the late-share table and an action that applies them to the SKUs' FBS prep time),
packing capacity (learned, editable), the next two weeks' due orders against it, and the
daily cycle-count list.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_mixins import ViewOnlyAdminMixin
from inventory.models import StockCount
from planning.models import (
    CapacityForecast,
    CycleCountTask,
    PackingCapacity,
    PrepTimeRecommendation,
)
from planning.prep_capacity import prep_time_apply


def _figure(value: float, digits: int) -> str:
    """In the language's number format, rounded (``number_format`` alone cuts)."""
    return number_format(round(value, digits), digits, force_grouping=True)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@admin.register(PrepTimeRecommendation)
class PrepTimeRecommendationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "warehouse",
        "sku",
        "orders",
        "hours",
        "advice",
        "table",
        "applied_at",
    )
    list_filter = ("warehouse",)
    list_select_related = ("warehouse", "sku")
    search_fields = ("sku__code", "warehouse__code")
    actions = ["apply"]

    def has_apply_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("planning.apply_preptimerecommendation")

    @admin.display(description=_("working hours: median / 90 %"))
    def hours(self, obj: PrepTimeRecommendation) -> str:
        if obj.hours_p50 is None:
            return "—"
        return f"{_figure(obj.hours_p50, 1)} / {_figure(obj.hours_p90, 1)}"

    @admin.display(description=_("recommendation"), ordering="recommended_days")
    def advice(self, obj: PrepTimeRecommendation) -> str:
        return format_html(
            _("set <b>{days} days</b>: {late} late instead of {now} (now {current} days)"),
            days=obj.recommended_days,
            late=_pct(obj.recommended_late_share),
            now=_pct(obj.late_now),
            current=obj.current_days,
        )

    @admin.display(description=_("late share by prep time (days)"))
    def table(self, obj: PrepTimeRecommendation) -> str:
        return format_html(
            '<table class="prep-late-share"><tr>{}</tr><tr>{}</tr></table>',
            format_html_join("", "<th>{}</th>", ((d,) for d in range(len(obj.late_share)))),
            format_html_join(
                "",
                "<td>{}</td>",
                (
                    (format_html("<b>{}</b>", _pct(v)) if d == obj.recommended_days else _pct(v),)
                    for d, v in enumerate(obj.late_share)
                ),
            ),
        )

    @admin.action(description=_("Apply to the SKUs' FBS prep time"), permissions=["apply"])
    def apply(self, request: HttpRequest, queryset) -> None:
        changed = 0
        # SKU rows last: they override what their warehouse's row set
        for rec in sorted(queryset, key=lambda r: r.sku_id is not None):
            changed += prep_time_apply(recommendation=rec)
        self.message_user(
            request,
            ngettext("Prep time changed on %(n)d SKU.", "Prep time changed on %(n)d SKUs.", changed)
            % {"n": changed},
            messages.SUCCESS,
        )


@admin.register(PackingCapacity)
class PackingCapacityAdmin(admin.ModelAdmin):
    list_display = (
        "warehouse",
        "learned_orders_per_hour",
        "days_measured",
        "orders_per_hour",
        "packers",
        "effective",
        "computed_on",
    )
    list_editable = ("orders_per_hour", "packers")
    list_select_related = ("warehouse",)
    readonly_fields = ("learned_orders_per_hour", "days_measured", "computed_on")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("orders per hour used"))
    def effective(self, obj: PackingCapacity) -> str:
        rate = obj.effective_orders_per_hour
        return "—" if rate is None else _figure(rate, 1)


@admin.register(CapacityForecast)
class CapacityForecastAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "warehouse",
        "day",
        "open_due",
        "expected",
        "total",
        "capacity_shown",
        "warning",
    )
    list_filter = ("warehouse",)
    list_select_related = ("warehouse",)
    date_hierarchy = "day"

    @admin.display(description=_("expected new"))
    def expected(self, obj: CapacityForecast) -> str:
        return _figure(obj.expected_due, 0)

    @admin.display(description=_("due"))
    def total(self, obj: CapacityForecast) -> str:
        return _figure(obj.due, 0)

    @admin.display(description=_("capacity"))
    def capacity_shown(self, obj: CapacityForecast) -> str:
        return "—" if obj.capacity is None else _figure(obj.capacity, 0)

    @admin.display(description=_("warning"))
    def warning(self, obj: CapacityForecast) -> str:
        if obj.excess <= 0:
            return ""
        return format_html(
            '<strong style="color:#ba2121">{}</strong>',
            _("%(excess)s over: %(hours)s extra packer-hours")
            % {"excess": _figure(obj.excess, 0), "hours": _figure(obj.extra_packer_hours, 1)},
        )


@admin.register(CycleCountTask)
class CycleCountTaskAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """The day's cycle-count list per warehouse; *done* once the cell was counted that day."""

    list_display = (
        "plan_date",
        "warehouse",
        "rank",
        "sku",
        "abc_class",
        "on_hand",
        "days_since_count",
        "variances",
        "urgency_shown",
        "is_done",
    )
    list_filter = ("plan_date", "warehouse", "abc_class")
    list_select_related = ("warehouse", "sku")
    search_fields = ("sku__code", "sku__name")
    ordering = ("-plan_date", "warehouse__code", "rank")

    def get_queryset(self, request: HttpRequest):
        return (
            super()
            .get_queryset(request)
            .annotate(
                done=Exists(
                    StockCount.objects.filter(
                        sku_id=OuterRef("sku_id"),
                        warehouse_id=OuterRef("warehouse_id"),
                        created_at__date__gte=OuterRef("plan_date"),
                    )
                )
            )
        )

    @admin.display(description=_("past counts off"))
    def variances(self, obj: CycleCountTask) -> str:
        return f"{obj.past_variances} / {obj.past_counts}"

    @admin.display(description=_("urgency"), ordering="urgency")
    def urgency_shown(self, obj: CycleCountTask) -> str:
        return _figure(obj.urgency, 2)

    @admin.display(description=_("counted"), boolean=True, ordering="done")
    def is_done(self, obj: CycleCountTask) -> bool:
        return obj.done
