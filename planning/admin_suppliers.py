"""Buyers' and planners' view of supplier performance: stated against learned lead times (with
the receipts behind them) and the scorecard — on-time rate, fill rate, delay and their trend.

Rows are written by ``planning.supplier_learning``; here they are only read.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.formats import date_format, number_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ReadOnlyAdminMixin, ViewOnlyAdminMixin
from core.money import base_currency, latest_rates, money_format
from planning.models import ExpediteSuggestion, SupplierPerformance


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _one(value: float) -> str:
    """A figure with one decimal in the language's format (``2,5`` in Russian)."""
    return number_format(round(value, 1), 1)  # number_format cuts, it does not round


def _days(mean: float | None, sd: float | None) -> str:
    if mean is None:
        return "—"
    return f"{_one(mean)} ± {_one(sd or 0)}"


class LevelFilter(admin.SimpleListFilter):
    title = _("level")
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("supplier", _("Suppliers")), ("item", _("Supplier items"))]

    def queryset(self, request, queryset):
        if self.value() == "supplier":
            return queryset.filter(sku__isnull=True)
        if self.value() == "item":
            return queryset.filter(sku__isnull=False)
        return queryset


@admin.register(SupplierPerformance)
class SupplierPerformanceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "supplier",
        "sku",
        "receipts",
        "stated",
        "learned",
        "observed",
        "on_time",
        "fill",
        "delay",
        "trend",
        "computed_on",
    )
    list_filter = (LevelFilter, "worsening", "supplier")
    list_select_related = ("supplier", "sku")
    search_fields = ("supplier__code", "supplier__name", "sku__code")
    ordering = ("supplier__code", "sku__code")

    @admin.display(description=_("stated (days)"))
    def stated(self, obj: SupplierPerformance) -> str:
        return _days(obj.stated_mean_days, obj.stated_sd_days)

    @admin.display(description=_("learned (days)"), ordering="learned_mean_days")
    def learned(self, obj: SupplierPerformance) -> str:
        return format_html(
            "<b>{}</b> <small>({})</small>",
            _days(obj.learned_mean_days, obj.learned_sd_days),
            gettext("%(share)s data") % {"share": _pct(obj.data_share)},
        )

    @admin.display(description=_("observed median / 90 %"))
    def observed(self, obj: SupplierPerformance) -> str:
        if obj.observed_p50_days is None:
            return "—"
        return f"{number_format(round(obj.observed_p50_days))} / {number_format(round(obj.observed_p90_days))}"

    @admin.display(description=_("on time"), ordering="on_time_rate")
    def on_time(self, obj: SupplierPerformance) -> str:
        return _pct(obj.on_time_rate)

    @admin.display(description=_("fill rate"), ordering="fill_rate")
    def fill(self, obj: SupplierPerformance) -> str:
        return _pct(obj.fill_rate)

    @admin.display(description=_("average delay (days)"), ordering="average_delay_days")
    def delay(self, obj: SupplierPerformance) -> str:
        return "—" if obj.average_delay_days is None else _one(obj.average_delay_days)

    @admin.display(description=_("trend (last 90 days vs before)"))
    def trend(self, obj: SupplierPerformance) -> str:
        if obj.recent_on_time_rate is None or obj.previous_on_time_rate is None:
            return "—"
        text = gettext("%(before)s → %(recent)s on time") % {
            "before": _pct(obj.previous_on_time_rate),
            "recent": _pct(obj.recent_on_time_rate),
        }
        if obj.worsening:
            return format_html('<strong style="color:#ba2121">⚠ {}</strong>', text)
        return text


@admin.register(ExpediteSuggestion)
class ExpediteSuggestionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Both options side by side: the primary arrives after the stock-out, the backup before."""

    list_display = (
        "sku",
        "stockout_date",
        "quantity",
        "primary",
        "backup",
        "saving_shown",
    )
    list_select_related = ("sku", "primary_supplier", "backup_supplier")
    list_filter = ("backup_supplier",)
    search_fields = ("sku__code", "sku__name")

    def changelist_view(self, request, extra_context=None):
        self._rates: dict = {}
        return super().changelist_view(request, extra_context)

    def _rate_note(self, supplier, on) -> str:
        """The rate an item's cost was converted at (the supplier's currency to the base)."""
        if supplier.currency == base_currency():
            return ""
        rates = getattr(self, "_rates", {})
        key = (supplier.currency, on)
        if key not in rates:
            rates[key] = latest_rates([supplier.currency], on=on).get(supplier.currency)
        found = rates[key]
        if found is None:
            return ""
        rate, valid_from = found
        return gettext("(%(currency)s at %(rate)s from %(date)s)") % {
            "currency": supplier.currency,
            "rate": number_format(rate.normalize()),
            "date": date_format(valid_from, "SHORT_DATE_FORMAT"),
        }

    def _option(self, obj, supplier, lead, purchase, cancelled, total) -> str:
        """Lead time, purchase + cancellations = total, in the base currency (the purchase
        converted from the supplier's currency at the rate shown)."""
        base = base_currency()
        return format_html(
            gettext("{supplier} · {lead} d · {purchase} + {cancelled} cancelled orders = {total}"),
            supplier=supplier.code,
            lead=_one(lead),
            purchase=" ".join(
                filter(
                    None,
                    [
                        money_format(purchase, base, digits=0),
                        self._rate_note(supplier, obj.computed_on),
                    ],
                )
            ),
            cancelled=_one(cancelled),
            total=format_html("<b>{}</b>", money_format(total, base, digits=0)),
        )

    @admin.display(description=_("primary (lead, purchase + cancellations = total)"))
    def primary(self, obj: ExpediteSuggestion) -> str:
        return self._option(
            obj,
            obj.primary_supplier,
            obj.primary_lead_days,
            obj.primary_purchase_cost,
            obj.primary_cancelled_orders,
            obj.primary_total_cost,
        )

    @admin.display(description=_("faster backup"))
    def backup(self, obj: ExpediteSuggestion) -> str:
        return self._option(
            obj,
            obj.backup_supplier,
            obj.backup_lead_days,
            obj.backup_purchase_cost,
            obj.backup_cancelled_orders,
            obj.backup_total_cost,
        )

    @admin.display(description=_("saving"))
    def saving_shown(self, obj: ExpediteSuggestion) -> str:
        return money_format(obj.saving, base_currency(), digits=0)
