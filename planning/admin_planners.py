"""The planners' admin: At risk, SKU plan pages with their chart, service levels (with history),
fulfilment-scheme decisions and FBO shipment suggestions.

The admin reads through ``planning.admin_selectors`` and writes through ``planning.services``;
actions check the model's custom ``approve_*`` permission.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.admin_actions import apply_each
from core.admin_mixins import ReadOnlyAdminMixin
from core.errors import DomainError
from core.money import base_currency, money_format
from core.times import local_time, moment_html
from inventory.models import FulfilmentScheme, Sku, Supplier, Warehouse
from planning import runs, services, views
from planning.admin_selectors import (
    at_risk_filter,
    at_risk_queryset,
    current_run_id_subquery,
    risk_bar,
    with_primary_supplier,
    with_stock_at,
)
from planning.engine.schema import ABC_NAMES, DEMAND_CLASS_NAMES, METHOD_NAMES
from planning.labels import demand_class_label, method_label, reasons_label
from planning.models import (
    AtRiskSku,
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    RiskThreshold,
    ServiceLevelTarget,
    SkuPlan,
    SkuServiceLevel,
    SuggestionStatus,
)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _day(value) -> str:
    if value is None:
        return "—"
    return date_format(value, "j M" if value.year == timezone.localdate().year else "j M Y")


def _num(value: float | None, digits: int = 0) -> str:
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return "—"
    return f"{value:,.{digits}f}"


# --- list filters -----------------------------------------------------------------------------


class RiskFilter(admin.SimpleListFilter):
    """At or above the run's risk bar by default; "all" shows the whole live plan."""

    title = _("risk")
    parameter_name = "risk"

    def lookups(self, request, model_admin):
        return [("all", "All SKUs"), ("short", "Any expected shortfall")]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "At or above the risk bar",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        if self.value() == "short":
            return queryset.filter(expected_units_short__gt=0)
        return at_risk_filter(queryset, PlanRun.objects.current())


class WarehouseStockFilter(admin.SimpleListFilter):
    title = _("stock at warehouse")
    parameter_name = "warehouse"

    def lookups(self, request, model_admin):
        return [(w.pk, w.code) for w in Warehouse.objects.filter(is_active=True).order_by("code")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return with_stock_at(queryset, int(self.value()))
        return queryset


class PrimarySupplierFilter(admin.SimpleListFilter):
    title = _("primary supplier")
    parameter_name = "supplier"

    def lookups(self, request, model_admin):
        return [(s.pk, s.code) for s in Supplier.objects.filter(is_active=True).order_by("code")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return with_primary_supplier(queryset, int(self.value()))
        return queryset


class AbcClassFilter(admin.SimpleListFilter):
    title = _("ABC class")
    parameter_name = "abc"

    def lookups(self, request, model_admin):
        return [(name, name) for name in ABC_NAMES]

    def queryset(self, request, queryset):
        return queryset.filter(abc_class=self.value()) if self.value() else queryset


class DemandClassFilter(admin.SimpleListFilter):
    title = _("demand class")
    parameter_name = "demand"

    def lookups(self, request, model_admin):
        return [(name, demand_class_label(name)) for name in DEMAND_CLASS_NAMES]

    def queryset(self, request, queryset):
        return queryset.filter(demand_class=self.value()) if self.value() else queryset


class MethodFilter(admin.SimpleListFilter):
    title = _("method")
    parameter_name = "method"

    def lookups(self, request, model_admin):
        return [(name, method_label(name)) for name in METHOD_NAMES]

    def queryset(self, request, queryset):
        return queryset.filter(method=self.value()) if self.value() else queryset


class SchemeFilter(admin.SimpleListFilter):
    title = _("scheme")
    parameter_name = "scheme"

    def lookups(self, request, model_admin):
        return FulfilmentScheme.choices

    def queryset(self, request, queryset):
        return queryset.filter(sku__scheme=self.value()) if self.value() else queryset


class OpenStatusFilter(admin.SimpleListFilter):
    """Suggestion status, proposed (waiting for a decision) by default."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [*SuggestionStatus.choices[1:], ("all", _("All"))]

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Proposed"),
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(status=self.value() or SuggestionStatus.PROPOSED)


# --- SKU plans and the chart ------------------------------------------------------------------


class SuggestionAdminMixin:
    """Suggestions and decisions: made by the planning run, acted on through actions.

    Nobody adds or deletes them by hand; acting on them needs the model's ``approve_…``
    permission (created with the model, given to the roles by a data migration).
    """

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_approve_permission(self, request):
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.approve_{opts.model_name}")


def _plan_link(plan: SkuPlan, text: str) -> str:
    # The SKU's stable address: the link still opens its latest plan after the next run.
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:planning_skuplan_sku", args=[plan.sku.code]), text
    )


class _SkuPlanColumns:
    """Columns shared by the SKU plan list and At risk."""

    list_per_page = 50

    @admin.display(description=_("SKU"), ordering="sku__code")
    def sku_link(self, obj):
        # Code and name in one cell: a separate name column pushes figures off the screen.
        return format_html(
            '{}<br><span class="quiet">{}</span>',
            _plan_link(obj, obj.sku.code),
            Truncator(obj.sku.name).chars(40),
        )

    @admin.display(description=_("class"))
    def classes(self, obj):
        return f"{obj.abc_class} · {demand_class_label(obj.demand_class)}"

    @admin.display(description=_("class"))
    def class_scheme(self, obj):
        return f"{obj.abc_class} · {demand_class_label(obj.demand_class)} · {self.scheme(obj)}"

    @admin.display(description=_("method"), ordering="method")
    def method_words(self, obj):
        return method_label(obj.method)

    @admin.display(description=_("scheme"), ordering="sku__scheme")
    def scheme(self, obj):
        return obj.sku.get_scheme_display().split(" ")[0]

    @admin.display(description=_("risk"), ordering="stockout_probability")
    def risk(self, obj):
        return _pct(obj.stockout_probability)

    @admin.display(description=_("cover (days)"), ordering="days_of_cover")
    def cover(self, obj):
        return _num(obj.days_of_cover, 1)

    @admin.display(description=_("stock-out"), ordering="stockout_date")
    def stockout(self, obj):
        return _day(obj.stockout_date)

    @admin.display(description=_("ROP / SS"))
    def rop_ss(self, obj):
        return f"{_num(obj.reorder_point)} / {_num(obj.safety_stock)}"

    @admin.display(description=_("forecast/day"), ordering="forecast_mean")
    def forecast(self, obj):
        return _num(obj.forecast_mean, 2)


@admin.register(SkuPlan)
class SkuPlanAdmin(ReadOnlyAdminMixin, _SkuPlanColumns, admin.ModelAdmin):
    """The live run's plan per SKU; a row opens the SKU plan page (chart and figures)."""

    list_display = (
        "sku_link",
        "classes",
        "method_words",
        "forecast",
        "available",
        "on_order",
        "rop_ss",
        "suggested_order",
        "cover",
        "risk",
        "scheme",
    )
    list_display_links = None
    list_filter = (AbcClassFilter, DemandClassFilter, SchemeFilter, MethodFilter)
    search_fields = ("sku__code", "sku__name")
    list_select_related = ("sku",)
    ordering = ("sku__code",)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        # The change list is the live plan; an object's page works for any run (links, history).
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            qs = qs.filter(run_id=current_run_id_subquery())
        return qs

    def get_urls(self):
        opts = self.model._meta
        name = f"{opts.app_label}_{opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("sku/<path:code>/", wrap(self._sku_page), name=f"{name}_sku"),
            path(
                "<path:object_id>/chart.<str:fmt>",
                wrap(self._chart_image, cacheable=True),
                name=f"{name}_chart",
            ),
            *super().get_urls(),
        ]

    def _sku_page(self, request, code):
        return views.sku_plan_latest(request, model_admin=self, code=code)

    def _chart_image(self, request, object_id, fmt):
        return views.sku_plan_chart_image(request, model_admin=self, object_id=object_id, fmt=fmt)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The "change" page of an engine result is the SKU plan page, at the SKU's address.
        return views.sku_plan_redirect(request, model_admin=self, object_id=object_id)


@admin.register(AtRiskSku)
class AtRiskSkuAdmin(ReadOnlyAdminMixin, _SkuPlanColumns, admin.ModelAdmin):
    """SKUs of the live run ordered by margin at risk: expected cancelled orders × unit margin."""

    list_display = (
        "sku_link",
        "margin_at_risk_display",
        "cancelled_orders",
        "risk",
        "stockout",
        "cover",
        "available",
        "on_order",
        "next_arrival_date",
        "class_scheme",
    )
    list_display_links = None
    list_filter = (
        RiskFilter,
        WarehouseStockFilter,
        PrimarySupplierFilter,
        AbcClassFilter,
        DemandClassFilter,
        SchemeFilter,
    )
    search_fields = ("sku__code", "sku__name")
    list_select_related = ("sku",)

    def get_queryset(self, request):
        # Annotate before ordering: the default ordering is by the annotation.
        queryset = at_risk_queryset(self.model._default_manager.get_queryset())
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ("-margin_at_risk", "stockout_date", "sku__code")

    @admin.display(description=_("next arrival"), ordering="next_arrival")
    def next_arrival_date(self, obj):
        return _day(obj.next_arrival)

    @admin.display(description=_("exp. cancels"), ordering="expected_cancelled_orders")
    def cancelled_orders(self, obj):
        return _num(obj.expected_cancelled_orders, 1)

    @admin.display(description=_("margin at risk"), ordering="margin_at_risk")
    def margin_at_risk_display(self, obj):
        # SKU prices and costs are in the seller's own currency.
        return money_format(obj.margin_at_risk, base_currency(), digits=0)

    def changelist_view(self, request, extra_context=None):
        run = PlanRun.objects.current()
        extra = {
            "title": _("SKUs at risk"),
            "live_run": run,
            "risk_bar_pct": round(risk_bar(run) * 100),
            "risk_min_cancels": RiskThreshold.of_run(run).min_cancelled_orders,
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=extra)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return views.sku_plan_redirect(
            request, model_admin=self.admin_site._registry[SkuPlan], object_id=object_id
        )


# --- service levels ---------------------------------------------------------------------------


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(SimpleHistoryAdmin):
    """Target cycle service level per ABC class; each change is kept with its author."""

    list_display = ("abc_class", "service_level", "sku_overrides")
    list_editable = ("service_level",)
    list_display_links = ("abc_class",)
    fields = ("abc_class", "service_level")

    def get_queryset(self, request):
        overrides = (
            Sku.objects.filter(abc_class=OuterRef("abc_class"), service_level__isnull=False)
            .order_by()
            .values("abc_class")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(override_count=Subquery(overrides))

    @admin.display(description=_("SKUs with their own level"))
    def sku_overrides(self, obj):
        count = obj.override_count or 0
        url = reverse("admin:planning_skuservicelevel_changelist")
        return format_html(
            '<a href="{}?abc_class__exact={}&amp;override=yes">{}</a>', url, obj.abc_class, count
        )


class OverrideFilter(admin.SimpleListFilter):
    title = _("own service level")
    parameter_name = "override"

    def lookups(self, request, model_admin):
        return [("yes", "Set"), ("no", "Class default")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(service_level__isnull=False)
        if self.value() == "no":
            return queryset.filter(service_level__isnull=True)
        return queryset


# simple-history registers the history manager on Sku's options; the proxy has its own
# options object, so point its history view at the same manager.
SkuServiceLevel._meta.simple_history_manager_attribute = Sku._meta.simple_history_manager_attribute


@admin.register(SkuServiceLevel)
class SkuServiceLevelAdmin(SimpleHistoryAdmin):
    """Per-SKU service-level overrides; empty = the ABC class target. History per SKU."""

    list_display = ("code", "name", "abc_class", "service_level", "class_target")
    list_editable = ("service_level",)
    list_filter = (OverrideFilter, "abc_class", "scheme")
    search_fields = ("code", "name")
    fields = ("code", "name", "abc_class", "service_level")
    readonly_fields = ("code", "name", "abc_class")
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def revert_disabled(self, request, obj=None):
        # Reverting restores a whole historical Sku row (name, prices, …), not just the level.
        return True

    def changelist_view(self, request, extra_context=None):
        self._targets = dict(ServiceLevelTarget.objects.values_list("abc_class", "service_level"))
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("class target"))
    def class_target(self, obj):
        level = getattr(self, "_targets", {}).get(obj.abc_class)
        return "—" if level is None else level

    def save_model(self, request, obj, form, change):
        # Save the concrete Sku, one field, under a row lock: a proxy save would not reach
        # simple-history (its signal is bound to Sku) and a full save could overwrite fields
        # changed meanwhile by someone else.
        with transaction.atomic():
            sku = Sku.objects.select_for_update().get(pk=obj.pk)
            sku.service_level = obj.service_level
            sku._history_user = request.user
            sku._change_reason = "Service level set in the admin"
            sku.save(update_fields=["service_level"])


# --- fulfilment scheme decisions --------------------------------------------------------------


@admin.register(FulfilmentDecision)
class FulfilmentDecisionAdmin(SuggestionAdminMixin, admin.ModelAdmin):
    """FBO/FBS recommendations with both monthly costs and the reasons; approve switches."""

    list_display = (
        "sku_code",
        "change",
        "fbs_cost",
        "fbo_cost",
        "saving",
        "reason_list",
        "status",
        "plan_date",
        "decided",
    )
    list_filter = (OpenStatusFilter, "recommended_scheme", "plan_date")
    search_fields = ("sku__code", "sku__name")
    list_select_related = ("sku", "decided_by")
    actions = ("approve_selected", "dismiss_selected")
    # Times in the user's time zone with the zone shown, like every instant (core.times).
    readonly_fields = [
        {"decided_at": "decided_local", "created_at": "created_local"}.get(f.name, f.name)
        for f in FulfilmentDecision._meta.fields
    ]
    decided_local = local_time("decided_at", _("decided at"))
    created_local = local_time("created_at", _("created at"))

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("FBO/FBS decisions"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("SKU"), ordering="sku__code")
    def sku_code(self, obj):
        return _sku_cell(obj.sku)

    @admin.display(description=_("change"))
    def change(self, obj):
        return f"{obj.current_scheme.upper()} → {obj.recommended_scheme.upper()}"

    @admin.display(description=_("FBS monthly cost"), ordering="fbs_monthly_cost")
    def fbs_cost(self, obj):
        return money_format(obj.fbs_monthly_cost, base_currency())

    @admin.display(description=_("FBO monthly cost"), ordering="fbo_monthly_cost")
    def fbo_cost(self, obj):
        return money_format(obj.fbo_monthly_cost, base_currency())

    @admin.display(description=_("monthly saving"))
    def saving(self, obj):
        return money_format(obj.monthly_saving, base_currency())

    @admin.display(description=_("reasons"))
    def reason_list(self, obj):
        return reasons_label(obj.reasons or [])

    @admin.display(description=_("decided"))
    def decided(self, obj):
        if not obj.decided_at:
            return "—"
        who = obj.decided_by.get_username() if obj.decided_by else _("system")
        return format_html("{}, {}", who, moment_html(obj.decided_at))

    @admin.action(description=_("Approve: switch the SKUs' scheme"), permissions=["approve"])
    def approve_selected(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            services.fulfilment_decision_approve,
            "decision",
            lambda n: ngettext("%(n)d decision approved.", "%(n)d decisions approved.", n),
        )

    @admin.action(description=_("Dismiss: keep the current scheme"), permissions=["approve"])
    def dismiss_selected(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            services.fulfilment_decision_dismiss,
            "decision",
            lambda n: ngettext("%(n)d decision dismissed.", "%(n)d decisions dismissed.", n),
        )


def _apply_each(model_admin, request, queryset, service, argument: str, verb) -> None:
    """Call a one-object service for each selected row; report successes and refusals.
    ``verb(n)`` is the success message's pattern for ``n`` rows (``%(n)d`` in it)."""
    apply_each(
        request,
        queryset.select_related("sku"),
        lambda obj: service(**{argument: obj, "user": request.user}),
        success=lambda n: verb(n) % {"n": n},
        refusal=lambda obj, exc: f"{obj.sku.code}: {exc.message}",
        refusal_level=messages.WARNING,
    )


# --- FBO shipment suggestions -----------------------------------------------------------------


@admin.register(FboShipmentSuggestion)
class FboShipmentSuggestionAdmin(SuggestionAdminMixin, admin.ModelAdmin):
    """Units to send to marketplace warehouses; one action turns them into draft transfers."""

    list_display = (
        "sku_code",
        "cluster",
        "warehouse",
        "quantity",
        "status",
        "transfer_link",
        "plan_date",
    )
    list_filter = (OpenStatusFilter, "warehouse__cluster", "warehouse", "plan_date")
    search_fields = ("sku__code", "sku__name")
    list_select_related = ("sku", "warehouse__cluster", "transfer")
    actions = ("to_transfers", "dismiss_selected")
    readonly_fields = [f.name for f in FboShipmentSuggestion._meta.fields]

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("FBO shipment suggestions"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("SKU"), ordering="sku__code")
    def sku_code(self, obj):
        return _sku_cell(obj.sku)

    @admin.display(description=_("cluster"), ordering="warehouse__cluster__name")
    def cluster(self, obj):
        # a suggestion per cluster goes to the cluster's nearest warehouse
        return obj.warehouse.cluster or "—"

    @admin.display(description=_("transfer"))
    def transfer_link(self, obj):
        if obj.transfer is None:
            return "—"
        return _admin_link("inventory", "transfer", obj.transfer.pk, obj.transfer.number)

    @admin.action(description=_("Create draft transfers from selected"), permissions=["approve"])
    def to_transfers(self, request, queryset):
        try:
            transfers = services.fbo_suggestions_to_transfers(
                suggestions=queryset, user=request.user
            )
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        links = format_html(
            ", ".join(["{}"] * len(transfers)),
            *(_admin_link("inventory", "transfer", t.pk, t.number) for t in transfers),
        )
        self.message_user(
            request,
            format_html("{} draft transfer(s) created: {}", len(transfers), links),
            messages.SUCCESS,
        )

    @admin.action(description=_("Dismiss selected"), permissions=["approve"])
    def dismiss_selected(self, request, queryset):
        _apply_each(
            self,
            request,
            queryset,
            services.fbo_suggestion_dismiss,
            "suggestion",
            lambda n: ngettext("%(n)d suggestion dismissed.", "%(n)d suggestions dismissed.", n),
        )


def _sku_cell(sku: Sku) -> str:
    return format_html(
        '{}<br><span class="quiet">{}</span>', sku.code, Truncator(sku.name).chars(40)
    )


def _admin_link(app_label: str, model_name: str, pk: int, text: str) -> str:
    """A link to an object's admin page, or plain text where that model has no admin."""
    from django.urls import NoReverseMatch

    try:
        url = reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return format_html("{}", text)
    return format_html('<a href="{}">{}</a>', url, text)


# --- planning runs ----------------------------------------------------------------------------


class PlanRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "plan_date",
        "status",
        "started_at",
        "heartbeat_at",
        "duration",
        "sku_count",
        "reorder_count",
        "fbo_shipment_count",
        "scheme_change_count",
        "at_risk_count",
        "triggered_by",
    )
    list_filter = ("status",)
    date_hierarchy = "plan_date"
    actions = ["cancel_runs"]

    @admin.display(description=_("duration"))
    def duration(self, obj):
        seconds = obj.duration_seconds
        return "—" if seconds is None else f"{seconds:,.1f} s"

    def has_cancel_permission(self, request) -> bool:
        return request.user.has_perm("core.run_jobs")

    @admin.action(
        description=_("Cancel the selected running runs (mark them failed)"),
        permissions=["cancel"],
    )
    def cancel_runs(self, request, queryset):
        """For a stuck run: it is marked failed, its partial results go, the previous results
        stay live, and a new run may start at once. Runs that are not running are left alone."""
        running = list(queryset.filter(status=PlanRun.Status.RUNNING).values_list("pk", flat=True))
        for run_id in running:
            runs.plan_run_cancel(run_id=run_id, by=f"admin:{request.user.get_username()}")
        if running:
            self.message_user(
                request,
                ngettext(
                    "Cancelled %(n)d running run.", "Cancelled %(n)d running runs.", len(running)
                )
                % {"n": len(running)},
                messages.SUCCESS,
            )
        else:
            self.message_user(request, _("None of the selected runs is running."), messages.WARNING)


if not admin.site.is_registered(PlanRun):
    admin.site.register(PlanRun, PlanRunAdmin)
