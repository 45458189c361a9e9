"""The buyers' admin: reorder suggestions grouped by supplier and destination, quantities edited
in the list, approval into draft purchase orders, dismissal with a reason, links to
the PO export (``inventory.admin``).

Every write is a ``planning.services`` call: the list's quantity field saves through
``suggestion_update_quantity`` (re-rounded to MOQ/pack), approval through
``suggestions_approve`` (needs ``planning.approve_reordersuggestion``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.admin_actions import apply_each
from core.errors import DomainError
from core.money import money_format
from inventory.admin import purchase_order_export_url
from planning import services
from planning.admin_planners import OpenStatusFilter, SuggestionAdminMixin
from planning.admin_selectors import suggestion_groups
from planning.models import ReorderSuggestion, SuggestionStatus
from planning.quantity_caps import MAX_QUANTITY, out_of_range, quantity_problem


def _po_change_url(po_id: int) -> str | None:
    try:
        return reverse("admin:inventory_purchaseorder_change", args=[po_id])
    except NoReverseMatch:  # the purchase-order admin is not registered
        return None


#: Session key: the (suggestion id, units) pairs a buyer was asked to confirm.
CONFIRM_SESSION_KEY = "zapas_reorder_quantity_confirm"


class SuggestionQuantityForm(forms.ModelForm):
    """The change list's quantity cell: editable while the suggestion is proposed.

    The quantity is checked as the service will save it (rounded to MOQ and pack): beyond the
    columns' range it is refused on the field; above the confirmation cap
    (``planning.quantity_caps``) the first save is refused with the plan's figures and the
    same quantity saved again is taken as confirmed. Nothing is saved while a cell is refused.
    """

    #: Set per request by ``ReorderSuggestionAdmin.get_changelist_form``.
    request = None

    class Meta:
        model = ReorderSuggestion
        fields = ["quantity"]
        widgets = {
            "quantity": forms.NumberInput(
                attrs={"min": 1, "max": MAX_QUANTITY, "style": "width: 6em"}
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.confirmed = False
        if self.instance.pk and self.instance.status != SuggestionStatus.PROPOSED:
            self.fields["quantity"].disabled = True

    def clean_quantity(self):
        quantity = self.cleaned_data["quantity"]
        if "quantity" not in self.changed_data or quantity is None or not self.instance.pk:
            return quantity
        if quantity > MAX_QUANTITY:
            raise forms.ValidationError(out_of_range(quantity).message, code="out_of_range")
        if quantity < 1:
            return quantity  # the model's own validator says so
        rounded, cost = services.suggestion_quantity_preview(
            suggestion=self.instance, quantity=quantity
        )
        pending = self._pending()
        asked = [self.instance.pk, rounded] in pending
        problem = quantity_problem(self.instance, rounded=rounded, cost=cost, confirmed=asked)
        if problem is None:
            if asked:
                self.confirmed = True
                self._remember([p for p in pending if p[0] != self.instance.pk])
            return quantity
        if problem.code == "quantity_needs_confirmation":
            self._remember(
                [*(p for p in pending if p[0] != self.instance.pk), [self.instance.pk, rounded]]
            )
            raise forms.ValidationError(
                _("%(problem)s Save again with the same quantity to confirm.")
                % {"problem": problem.message},
                code="needs_confirmation",
            )
        raise forms.ValidationError(problem.message, code="out_of_range")

    def _pending(self) -> list[list[int]]:
        session = getattr(self.request, "session", None)
        return list(session.get(CONFIRM_SESSION_KEY, [])) if session is not None else []

    def _remember(self, pending: list[list[int]]) -> None:
        session = getattr(self.request, "session", None)
        if session is not None:
            session[CONFIRM_SESSION_KEY] = pending[-100:]


class DismissForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        help_text=_("Why these suggestions are not ordered (kept with each suggestion)."),
        widget=forms.TextInput(attrs={"size": 60, "autofocus": True}),
    )


@admin.register(ReorderSuggestion)
class ReorderSuggestionAdmin(SuggestionAdminMixin, admin.ModelAdmin):
    """Open suggestions by supplier and destination, with totals against the supplier minimum."""

    change_list_template = "admin/planning/reordersuggestion/change_list.html"
    list_display = (
        "sku_code",
        "supplier_code",
        "warehouse_code",
        "quantity",
        "unit_cost_display",
        "cost_display",
        "expected_arrival",
        "status",
        "purchase_order_links",
    )
    list_editable = ("quantity",)
    list_display_links = None
    list_filter = (OpenStatusFilter, "supplier", "warehouse", "plan_date")
    search_fields = ("sku__code", "sku__name", "supplier__code", "supplier__name")
    list_select_related = ("sku", "supplier", "warehouse", "purchase_order")
    ordering = ("supplier__code", "warehouse__code", "sku__code")
    actions = ("approve_selected", "dismiss_selected")
    list_per_page = 100

    @admin.display(description=_("unit cost"), ordering="unit_cost")
    def unit_cost_display(self, obj: ReorderSuggestion) -> str:
        return money_format(obj.unit_cost, obj.supplier.currency)

    @admin.display(description=_("cost"), ordering="cost")
    def cost_display(self, obj: ReorderSuggestion) -> str:
        return money_format(obj.cost, obj.supplier.currency)

    readonly_fields = [
        f.name for f in ReorderSuggestion._meta.fields if f.name not in ("quantity",)
    ]

    def get_changelist_form(self, request, **kwargs):
        # The form asks the session whether a large quantity was already confirmed.
        form = type("RequestQuantityForm", (SuggestionQuantityForm,), {"request": request})
        return super().get_changelist_form(request, form=form, **kwargs)

    # --- columns

    @admin.display(description=_("SKU"), ordering="sku__code")
    def sku_code(self, obj):
        # Code, name and the engine's reason in one cell keep the figures on screen.
        return format_html(
            '{}<br><span class="quiet">{}</span>{}',
            obj.sku.code,
            Truncator(obj.sku.name).chars(40),
            format_html('<br><span class="quiet">{}</span>', obj.reason) if obj.reason else "",
        )

    @admin.display(description=_("supplier"), ordering="supplier__code")
    def supplier_code(self, obj):
        return obj.supplier.code

    @admin.display(description=_("to"), ordering="warehouse__code")
    def warehouse_code(self, obj):
        return obj.warehouse.code

    @admin.display(description=_("purchase order"))
    def purchase_order_links(self, obj):
        po = obj.purchase_order
        if po is None:
            return "—"
        url = _po_change_url(po.pk)
        number = format_html('<a href="{}">{}</a>', url, po.number) if url else po.number
        return format_html(
            '{} <a href="{}">CSV</a> · <a href="{}">XLSX</a>',
            number,
            purchase_order_export_url(po.pk, "csv"),
            purchase_order_export_url(po.pk, "xlsx"),
        )

    # --- the list: grouped totals above it, quantities saved through the service

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": _("Reorder suggestions"), **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            groups = suggestion_groups(context["cl"].queryset)
            context["suggestion_groups"] = groups
            context["below_minimum_count"] = sum(g.below_minimum for g in groups)
        return response

    def save_model(self, request, obj, form, change):
        if "quantity" not in form.changed_data:
            return
        try:
            saved = services.suggestion_update_quantity(
                suggestion=obj,
                quantity=form.cleaned_data["quantity"],
                user=request.user,
                confirmed=getattr(form, "confirmed", False),
            )
        except DomainError as exc:
            self.message_user(request, f"{obj.sku.code}: {exc.message}", messages.ERROR)
            return
        if saved.quantity != form.cleaned_data["quantity"]:
            self.message_user(
                request,
                _(
                    "%(code)s: %(typed)s rounded up to %(saved)s (minimum order quantity and pack size)."
                )
                % {
                    "code": obj.sku.code,
                    "typed": form.cleaned_data["quantity"],
                    "saved": saved.quantity,
                },
                messages.INFO,
            )
        obj.quantity, obj.cost = saved.quantity, saved.cost

    # --- actions

    @admin.action(
        description=_("Approve selected → draft purchase orders"), permissions=["approve"]
    )
    def approve_selected(self, request, queryset):
        try:
            orders = services.suggestions_approve(suggestions=queryset, user=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        links = format_html_join(
            ", ",
            '<a href="{}">{}</a> (<a href="{}">CSV</a>, <a href="{}">XLSX</a>)',
            (
                (
                    _po_change_url(po.pk) or purchase_order_export_url(po.pk, "csv"),
                    po.number,
                    purchase_order_export_url(po.pk, "csv"),
                    purchase_order_export_url(po.pk, "xlsx"),
                )
                for po in orders
            ),
        )
        self.message_user(
            request,
            format_html(
                ngettext(
                    "{} draft purchase order created: {}",
                    "{} draft purchase orders created: {}",
                    len(orders),
                ),
                len(orders),
                links,
            ),
            messages.SUCCESS,
        )

    @admin.action(description=_("Dismiss selected with a reason…"), permissions=["change"])
    def dismiss_selected(self, request, queryset):
        queryset = queryset.select_related("sku", "supplier", "warehouse").order_by("pk")
        if "apply" in request.POST:
            form = DismissForm(request.POST)
            if form.is_valid():
                apply_each(
                    request,
                    queryset,
                    lambda suggestion: services.suggestion_dismiss(
                        suggestion=suggestion,
                        user=request.user,
                        reason=form.cleaned_data["reason"],
                    ),
                    success=lambda n: (
                        ngettext("%(n)d suggestion dismissed.", "%(n)d suggestions dismissed.", n)
                        % {"n": n}
                    ),
                    refusal=lambda suggestion, exc: f"{suggestion.sku.code}: {exc.message}",
                    refusal_level=messages.WARNING,
                )
                return None  # back to the change list
        else:
            form = DismissForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Dismiss reorder suggestions"),
            "form": form,
            "suggestions": queryset,
            "action": "dismiss_selected",
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/planning/reordersuggestion/dismiss.html", context)
