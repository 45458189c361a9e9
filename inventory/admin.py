"""Inventory admin: a client of ``inventory.services``.

Quantities are read-only here. Stock changes only through actions and small forms that call a
service; a ``DomainError`` becomes an admin error message. Changelists run a fixed number of
queries however many rows they show (``list_select_related`` and annotated querysets).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import apply_each
from core.admin_mixins import ReadOnlyAdminMixin
from core.errors import DomainError
from core.money import base_currency, money_format
from core.spreadsheets import SafeImportExportModelAdmin
from inventory import selectors, services, views
from inventory.forms import (
    PurchaseOrderReceiveForm,
    StockCountForm,
    StockLevelAddForm,
    TransferAdminForm,
)
from inventory.models import (
    Barcode,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    SkuSubstitute,
    StockCount,
    StockLevel,
    StockMovement,
    Supplier,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
    WarehouseHoliday,
)
from inventory.resources import SkuResource, SupplierItemResource, SupplierResource

ACTION_TEMPLATE = "admin/inventory/action_form.html"


def _actor(request: HttpRequest) -> services.Actor:
    return services.Actor(user=request.user, device="admin")


def _run_each(
    request: HttpRequest,
    objects: Iterable,
    operation: Callable[[object], object],
    *,
    done: str | Promise,
) -> int:
    """``apply_each`` with this admin's messages ("<done>: <count>.", "<object>: <error>")."""
    return apply_each(request, objects, operation, success=lambda n: f"{done}: {n}.")[0]


# --- suppliers and SKUs -----------------------------------------------------------------------


class SkuSubstituteInline(admin.TabularInline):
    model = SkuSubstitute
    fk_name = "sku"
    extra = 0
    autocomplete_fields = ["substitute"]
    verbose_name = "substitute"
    verbose_name_plural = "substitutes (offered to customers when this SKU is short)"


class SupplierItemInline(admin.TabularInline):
    model = SupplierItem
    extra = 0
    autocomplete_fields = ["supplier"]
    fields = [
        "supplier",
        "supplier_code",
        "unit_cost",
        "moq",
        "pack_size",
        "lead_time_mean_days",
        "lead_time_sd_days",
        "is_primary",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SupplierItem]:
        return super().get_queryset(request).select_related("supplier", "sku")


class BarcodeInline(admin.TabularInline):
    model = Barcode
    extra = 0
    fields = ["code", "symbology"]
    readonly_fields = ["symbology"]


class StockLevelInline(admin.TabularInline):
    """Where the SKU lies. Read-only: counts and moves go through the stock level actions."""

    model = StockLevel
    extra = 0
    fields = ["warehouse", "on_hand", "reserved", "available", "updated_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockLevel]:
        return super().get_queryset(request).select_related("warehouse", "sku")


@admin.register(Supplier)
class SupplierAdmin(SafeImportExportModelAdmin):
    resource_classes = [SupplierResource]
    list_display = [
        "code",
        "name",
        "currency",
        "lead_time_mean_days",
        "lead_time_sd_days",
        "order_cycle_days",
        "item_count",
        "open_po_count",
        "is_active",
    ]
    list_filter = ["is_active", "currency"]
    search_fields = ["code", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Supplier]:
        return selectors.supplier_queryset_with_counts(super().get_queryset(request))

    @admin.display(description=_("SKUs"), ordering="item_count")
    def item_count(self, obj: Supplier) -> int:
        return obj.item_count

    @admin.display(description=_("open POs"), ordering="open_po_count")
    def open_po_count(self, obj: Supplier) -> int:
        return obj.open_po_count


@admin.register(Sku)
class SkuAdmin(SafeImportExportModelAdmin):
    resource_classes = [SkuResource]
    list_display = [
        "code",
        "name",
        "scheme",
        "abc_class",
        "unit_cost_display",
        "sale_price_display",
        "total_on_hand",
        "total_reserved",
        "total_available",
        "is_active",
    ]
    list_filter = ["is_active", "scheme", "abc_class"]
    search_fields = ["code", "name", "barcodes__code"]
    readonly_fields = ["created_at"]
    inlines = [BarcodeInline, SupplierItemInline, SkuSubstituteInline, StockLevelInline]

    @admin.display(description=_("unit cost"), ordering="unit_cost")
    def unit_cost_display(self, obj: Sku) -> str:
        return money_format(obj.unit_cost, base_currency())

    @admin.display(description=_("sale price"), ordering="sale_price")
    def sale_price_display(self, obj: Sku) -> str:
        return money_format(obj.sale_price, base_currency())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sku]:
        return selectors.sku_queryset_with_stock(super().get_queryset(request))

    @admin.display(description=_("on hand"), ordering="total_on_hand")
    def total_on_hand(self, obj: Sku) -> int:
        return obj.total_on_hand

    @admin.display(description=_("reserved"), ordering="total_reserved")
    def total_reserved(self, obj: Sku) -> int:
        return obj.total_reserved

    @admin.display(description=_("available"), ordering="total_available")
    def total_available(self, obj: Sku) -> int:
        return obj.total_available


@admin.register(Barcode)
class BarcodeAdmin(admin.ModelAdmin):
    list_display = ["code", "symbology", "sku"]
    list_select_related = ["sku"]
    list_filter = ["symbology"]
    search_fields = ["code", "sku__code", "sku__name"]
    autocomplete_fields = ["sku"]
    readonly_fields = ["symbology"]


@admin.register(SupplierItem)
class SupplierItemAdmin(SafeImportExportModelAdmin):
    resource_classes = [SupplierItemResource]
    list_display = [
        "sku",
        "supplier",
        "supplier_code",
        "unit_cost",
        "moq",
        "pack_size",
        "lead_time_mean_days",
        "is_primary",
    ]
    list_select_related = ["sku", "supplier"]
    list_filter = ["is_primary", "supplier"]
    search_fields = ["sku__code", "sku__name", "supplier__code", "supplier__name", "supplier_code"]
    autocomplete_fields = ["sku", "supplier"]


# --- warehouses -------------------------------------------------------------------------------


class WarehouseHolidayInline(admin.TabularInline):
    model = WarehouseHoliday
    extra = 0
    fields = ["date", "name", "is_working_day"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "time_zone",
        "cutoff_time",
        "working_days",
        "transit_days",
        "cluster",
        "is_active",
    ]
    list_select_related = ["cluster"]
    list_filter = ["kind", "is_active", "cluster"]
    search_fields = ["code", "name"]
    inlines = [WarehouseHolidayInline]


@admin.register(WarehouseHoliday)
class WarehouseHolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_working_day", "warehouse"]
    list_select_related = ["warehouse"]
    list_filter = ["warehouse", "is_working_day"]
    search_fields = ["name", "warehouse__code"]
    autocomplete_fields = ["warehouse"]
    date_hierarchy = "date"


# --- stock ------------------------------------------------------------------------------------


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ["sku", "warehouse", "on_hand", "reserved", "available_qty", "updated_at"]
    list_select_related = ["sku", "warehouse"]
    list_filter = ["warehouse__kind", "warehouse"]
    search_fields = ["sku__code", "sku__name", "sku__barcodes__code", "warehouse__code"]
    autocomplete_fields = ["sku", "warehouse"]
    actions = ["adjust_after_count"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockLevel]:
        return super().get_queryset(request).with_available()

    def get_form(self, request: HttpRequest, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = StockLevelAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return ["sku", "warehouse", "opening_quantity"]
        return ["sku", "warehouse", "on_hand", "reserved", "available_qty", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return []
        return ["sku", "warehouse", "on_hand", "reserved", "available_qty", "updated_at"]

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("available"), ordering="available_qty")
    def available_qty(self, obj: StockLevel) -> int:
        return getattr(obj, "available_qty", obj.available)

    def save_model(self, request: HttpRequest, obj: StockLevel, form, change: bool) -> None:
        if change:
            return  # nothing here is editable; counts go through the count form
        quantity = form.cleaned_data.get("opening_quantity") or 0
        if quantity:
            services.stock_receive(
                sku=obj.sku,
                warehouse=obj.warehouse,
                quantity=quantity,
                kind=MovementKind.OPENING,
                actor=_actor(request),
                reason="Opening balance (admin)",
            )
            saved = StockLevel.objects.get(sku=obj.sku, warehouse=obj.warehouse)
            obj.pk, obj.on_hand, obj.reserved = saved.pk, saved.on_hand, saved.reserved
        else:
            obj.save()

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/count/",
                self.admin_site.admin_view(self.count_view),
                name="{}_{}_count".format(*info),
            ),
            *super().get_urls(),
        ]

    @admin.action(description=_("Adjust after a count"), permissions=["change"])
    def adjust_after_count(self, request: HttpRequest, queryset: QuerySet[StockLevel]):
        return self._count(request, queryset, action="adjust_after_count")

    def count_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        level = get_object_or_404(self.get_queryset(request), pk=object_id)
        if not self.has_change_permission(request, level):
            raise PermissionDenied
        response = self._count(request, StockLevel.objects.filter(pk=level.pk), action=None)
        return response or HttpResponseRedirect(
            reverse("admin:inventory_stocklevel_change", args=[level.pk])
        )

    def _count(
        self, request: HttpRequest, queryset: QuerySet[StockLevel], *, action: str | None
    ) -> HttpResponse | None:
        levels = list(queryset.select_related("sku", "warehouse").order_by("pk"))
        if "apply" in request.POST:
            form = StockCountForm(request.POST, levels=levels)
            if form.is_valid():
                by_pk = {level.pk: level for level in levels}
                reason = form.cleaned_data["reason"]
                counts = form.counts()

                def count(level: StockLevel) -> None:
                    result = services.stock_count(
                        sku=level.sku,
                        warehouse=level.warehouse,
                        counted=counts[level.pk],
                        actor=_actor(request),
                        reason=reason,
                    )
                    if result.variance:
                        messages.info(
                            request,
                            _(
                                "%(sku)s @ %(warehouse)s: expected %(expected)s, counted %(counted)s (%(variance)s)."
                            )
                            % {
                                "sku": level.sku.code,
                                "warehouse": level.warehouse.code,
                                "expected": result.expected,
                                "counted": result.counted,
                                "variance": f"{result.variance:+d}",
                            },
                        )

                _run_each(request, by_pk.values(), count, done=_("Counts recorded"))
                return None
        else:
            form = StockCountForm(levels=levels)
        return self._render_form(
            request,
            title="Adjust stock after a count",
            form=form,
            objects=levels,
            action=action,
            intro="Enter the units counted on the shelf. The difference from on hand is "
            "booked as a count adjustment in the ledger.",
            buttons=[("apply", "Record counts")],
        )

    def _render_form(self, request: HttpRequest, **context) -> TemplateResponse:
        return TemplateResponse(
            request,
            ACTION_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "cancel_url": reverse("admin:inventory_stocklevel_changelist"),
                **context,
            },
        )


@admin.register(StockCount)
class StockCountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every physical count, matching or not: read-only (counts are made at the scan station)."""

    list_display = [
        "created_at",
        "sku",
        "warehouse",
        "expected",
        "counted",
        "variance",
        "unit_cost",
        "user",
        "device",
    ]
    list_select_related = ["sku", "warehouse", "user"]
    list_filter = ["warehouse"]
    search_fields = ["sku__code", "sku__barcodes__code"]
    date_hierarchy = "created_at"


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The ledger: read-only."""

    list_display = [
        "created_at",
        "sku",
        "warehouse",
        "kind",
        "quantity",
        "on_hand_after",
        "document_type",
        "document_ref",
        "user",
        "device",
    ]
    list_select_related = ["sku", "warehouse", "user"]
    list_filter = ["kind", "document_type", "warehouse"]
    search_fields = [
        "sku__code",
        "sku__barcodes__code",
        "document_ref",
        "idempotency_key",
        "reason",
    ]
    date_hierarchy = "created_at"


# --- purchase orders --------------------------------------------------------------------------


class DraftLinesInline(admin.TabularInline):
    """Document lines: editable while the document is a draft, read-only afterwards.

    Subclasses name the quantities that only services may fill (``service_quantities``).
    """

    extra = 0
    autocomplete_fields = ["sku"]
    service_quantities: list[str] = []

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("sku")

    def _is_draft(self, obj: PurchaseOrder | Transfer | None) -> bool:
        return obj is None or obj.status == type(obj).Status.DRAFT

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        return self.service_quantities if self._is_draft(obj) else self.fields

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


class PurchaseOrderLineInline(DraftLinesInline):
    """Lines are editable while the PO is a draft; received quantities never are."""

    model = PurchaseOrderLine
    fields = ["sku", "quantity_ordered", "unit_cost", "quantity_received"]
    service_quantities = ["quantity_received"]


EXPORT_URL_NAME = "inventory_purchaseorder_export"


def purchase_order_export_url(po_id: int, fmt: str) -> str:
    """Admin URL of a purchase order's CSV/XLSX export (for links from other admin pages)."""
    return reverse(f"admin:{EXPORT_URL_NAME}", args=[po_id, fmt])


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "supplier",
        "warehouse",
        "status",
        "order_date",
        "expected_arrival",
        "line_count",
        "units_ordered",
        "units_received",
        "total",
    ]
    list_filter = ["status", "warehouse", "supplier"]
    search_fields = ["number", "supplier__code", "supplier__name", "lines__sku__code"]
    autocomplete_fields = ["supplier", "warehouse"]
    date_hierarchy = "order_date"
    inlines = [PurchaseOrderLineInline]
    actions = ["send", "cancel", "receive_all_open"]

    def _export(self, request: HttpRequest, po_id: int, fmt: str) -> HttpResponse:
        return views.purchase_order_export(request, po_id=po_id, fmt=fmt)

    def get_queryset(self, request: HttpRequest) -> QuerySet[PurchaseOrder]:
        return selectors.purchase_order_queryset_with_totals(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ["status", "created_by", "created_at", "total", "export"]
        if obj is not None and obj.status != PurchaseOrder.Status.DRAFT:
            readonly += ["number", "supplier", "warehouse", "order_date"]
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {
            "number": services.document_number("PO"),
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request: HttpRequest, obj: PurchaseOrder, form, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("export"))
    def export(self, obj: PurchaseOrder) -> str:
        if obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">CSV</a> · <a href="{}">XLSX</a>',
            purchase_order_export_url(obj.pk, "csv"),
            purchase_order_export_url(obj.pk, "xlsx"),
        )

    @admin.display(description=_("total"), ordering="value_ordered")
    def total(self, obj: PurchaseOrder) -> str:
        if obj.pk is None:
            return "—"
        value = getattr(obj, "value_ordered", None)
        if value is None:
            value = selectors.purchase_order_queryset_with_totals().get(pk=obj.pk).value_ordered
        return money_format(value, obj.supplier.currency)

    @admin.display(description=_("lines"), ordering="line_count")
    def line_count(self, obj: PurchaseOrder) -> int:
        return obj.line_count

    @admin.display(description=_("ordered"), ordering="units_ordered")
    def units_ordered(self, obj: PurchaseOrder) -> int:
        return obj.units_ordered

    @admin.display(description=_("received"), ordering="units_received")
    def units_received(self, obj: PurchaseOrder) -> int:
        return obj.units_received

    @admin.action(description=_("Send to supplier"), permissions=["change"])
    def send(self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]) -> None:
        _run_each(
            request,
            queryset,
            lambda po: services.purchase_order_send(purchase_order=po),
            done=_("Purchase orders sent"),
        )

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]) -> None:
        _run_each(
            request,
            queryset,
            lambda po: services.purchase_order_cancel(purchase_order=po),
            done=_("Purchase orders cancelled"),
        )

    @admin.action(description=_("Receive all open quantities"), permissions=["change"])
    def receive_all_open(self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]) -> None:
        _run_each(
            request,
            queryset,
            lambda po: services.purchase_order_receive_lines(
                purchase_order=po, actor=_actor(request)
            ),
            done=_("Purchase orders received"),
        )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/receive/",
                self.admin_site.admin_view(self.receive_view),
                name="{}_{}_receive".format(*info),
            ),
            path(
                "<int:po_id>/export.<str:fmt>",
                self.admin_site.admin_view(self._export),
                name=EXPORT_URL_NAME,
            ),
            *super().get_urls(),
        ]

    def receive_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Receive goods on one PO: per-line quantities, pre-filled with what is open."""
        po = get_object_or_404(PurchaseOrder.objects.select_related("supplier"), pk=object_id)
        change_url = reverse("admin:inventory_purchaseorder_change", args=[po.pk])
        if not self.has_change_permission(request, po):
            raise PermissionDenied
        lines = po.lines.select_related("sku").order_by("pk")
        if request.method == "POST":
            form = PurchaseOrderReceiveForm(request.POST, lines=lines)
            if form.is_valid():
                quantities = None if "receive_all" in request.POST else form.quantities()
                try:
                    movements = services.purchase_order_receive_lines(
                        purchase_order=po, quantities=quantities, actor=_actor(request)
                    )
                except DomainError as exc:
                    messages.error(request, f"{po}: {exc.message}")
                else:
                    units = sum(m.quantity for m in movements)
                    messages.success(
                        request,
                        ngettext(
                            "%(po)s: received %(n)d unit.", "%(po)s: received %(n)d units.", units
                        )
                        % {"po": po, "n": units},
                    )
                    return HttpResponseRedirect(change_url)
        else:
            form = PurchaseOrderReceiveForm(lines=lines)
        return TemplateResponse(
            request,
            ACTION_TEMPLATE,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"Receive goods on {po.number}",
                "intro": f"{po.supplier} · {po.get_status_display()}. "
                "Enter the units that arrived on each line.",
                "form": form,
                "objects": [po],
                "action": None,
                "buttons": [
                    ("apply", "Receive these quantities"),
                    ("receive_all", "Receive all open"),
                ],
                "cancel_url": change_url,
            },
        )


# --- transfers --------------------------------------------------------------------------------


class TransferLineInline(DraftLinesInline):
    model = TransferLine
    fields = ["sku", "quantity", "quantity_dispatched", "quantity_received"]
    service_quantities = ["quantity_dispatched", "quantity_received"]


@admin.register(Transfer)
class TransferAdmin(admin.ModelAdmin):
    form = TransferAdminForm
    list_display = [
        "number",
        "source",
        "destination",
        "status",
        "units",
        "units_in_transit",
        "dispatched_at",
        "expected_arrival",
        "received_at",
    ]
    list_filter = ["status", "destination", "source"]
    search_fields = ["number", "destination__code", "lines__sku__code"]
    autocomplete_fields = ["source", "destination"]
    date_hierarchy = "created_at"
    inlines = [TransferLineInline]
    actions = ["dispatch", "receive_all", "cancel"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Transfer]:
        return selectors.transfer_queryset_with_totals(super().get_queryset(request))

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        readonly = ["status", "dispatched_at", "expected_arrival", "received_at", "created_by"]
        if obj is not None and obj.status != Transfer.Status.DRAFT:
            readonly += ["number", "source", "destination"]
        return readonly

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        return {
            "number": services.document_number("TR"),
            **super().get_changeform_initial_data(request),
        }

    def save_model(self, request: HttpRequest, obj: Transfer, form, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("units"), ordering="units")
    def units(self, obj: Transfer) -> int:
        return obj.units

    @admin.display(description=_("in transit"), ordering="units_in_transit")
    def units_in_transit(self, obj: Transfer) -> int:
        return obj.units_in_transit

    @admin.action(description=_("Dispatch (take stock out of the source)"), permissions=["change"])
    def dispatch(self, request: HttpRequest, queryset: QuerySet[Transfer]) -> None:
        _run_each(
            request,
            queryset,
            lambda t: services.transfer_dispatch(transfer=t, actor=_actor(request)),
            done=_("Transfers dispatched"),
        )

    @admin.action(description=_("Receive everything in transit"), permissions=["change"])
    def receive_all(self, request: HttpRequest, queryset: QuerySet[Transfer]) -> None:
        _run_each(
            request,
            queryset,
            lambda t: services.transfer_receive(transfer=t, actor=_actor(request)),
            done=_("Transfers received"),
        )

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request: HttpRequest, queryset: QuerySet[Transfer]) -> None:
        _run_each(
            request,
            queryset,
            lambda t: services.transfer_cancel(transfer=t),
            done=_("Transfers cancelled"),
        )


from inventory import admin_fbo  # noqa: E402, F401  (FBO clusters and their stock)
