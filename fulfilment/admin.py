"""Admin for orders and notices: a client of the services (quantities and statuses read-only;
packing, handover, cancellation, approval and resending are actions calling services)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.admin_actions import apply_each
from core.errors import DomainError
from core.times import warehouse_time
from fulfilment import conf, hooks
from fulfilment.deadline_watch import deadline_watch_run
from fulfilment.models import (
    CancelledBy,
    CancelReason,
    Notice,
    NoticeStatus,
    Order,
    OrderLine,
    WatchState,
)
from fulfilment.notices.outbox import notice_approve, notice_edit, notice_resend
from fulfilment.order_jobs import orders_import_start
from fulfilment.selectors import due_today
from fulfilment.services import (
    order_cancel,
    order_carrier_delay_record,
    order_pack,
    order_ship_batch,
)
from inventory.models import Warehouse
from inventory.services import Actor

WATCH_COLOURS = {
    WatchState.ON_TRACK: ("#1e7e34", "#e6f4ea"),
    WatchState.DUE_SOON: ("#8a6d00", "#fff4cc"),
    WatchState.OVERDUE: ("#a61b1b", "#fde2e1"),
    WatchState.SHORT: ("#6f2da8", "#efe3fa"),
}
NOTICE_COLOURS = {
    NoticeStatus.AWAITING_APPROVAL: ("#8a6d00", "#fff4cc"),
    NoticeStatus.PENDING: ("#30506b", "#e3eef7"),
    NoticeStatus.SENDING: ("#30506b", "#e3eef7"),
    NoticeStatus.SENT: ("#1e7e34", "#e6f4ea"),
    NoticeStatus.FAILED: ("#a61b1b", "#fde2e1"),
}


def badge(label: str, colours: tuple[str, str] | None) -> str:
    if not label:
        return "–"
    fg, bg = colours or ("#333", "#eee")
    return format_html(
        '<span class="zapas-badge" style="color:{};background:{};padding:2px 8px;'
        'border-radius:10px;font-weight:600;white-space:nowrap">{}</span>',
        fg,
        bg,
        label,
    )


def actor_for(request: HttpRequest) -> Actor:
    return Actor(user=request.user, device="admin")


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    fields = ["sku", "quantity", "unit_price", "reserved_quantity", "packed_quantity"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class NoticeInline(admin.TabularInline):
    model = Notice
    extra = 0
    can_delete = False
    fields = [
        "kind",
        "status",
        "channel",
        "recipient",
        "estimated_date",
        "compensation_kind",
        "created_local",
    ]
    readonly_fields = fields
    show_change_link = True
    created_local = warehouse_time("created_at", _("created at"), warehouse="order.warehouse")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("order__warehouse")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CancelForm(forms.Form):
    reason = forms.ChoiceField(choices=CancelReason.choices)
    cancelled_by = forms.ChoiceField(choices=CancelledBy.choices, initial=CancelledBy.SELLER)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CarrierDelayForm(forms.Form):
    new_estimate = forms.DateField(
        label="New delivery estimate", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker starts at yesterday so that a warehouse east of the server
        # still gets its today; the service refuses past dates per warehouse.
        earliest = timezone.localdate() - timedelta(days=1)
        self.fields["new_estimate"].widget.attrs["min"] = earliest.isoformat()


class ImportForm(forms.Form):
    file = forms.FileField(help_text="Ozon FBS postings as .json or .csv (see the README).")
    warehouse = forms.ModelChoiceField(
        queryset=Warehouse.objects.filter(is_active=True),
        required=False,
        help_text="For postings that name no warehouse.",
    )
    channel = forms.CharField(initial="ozon", max_length=32)
    skip_bad_rows = forms.BooleanField(
        required=False,
        help_text="Import the good postings and list the bad ones. Off: a file with a bad "
        "posting imports nothing.",
    )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "external_number",
        "watch",
        "status",
        "ship_by_local",
        "warehouse",
        "scheme",
        "stock_state",
        "accepted_local",
        "customer_name",
    ]
    list_filter = [
        "status",
        "watch_state",
        "warehouse",
        "scheme",
        "is_short",
        "ship_by_source",
        "channel",
    ]
    list_select_related = ["warehouse"]
    search_fields = ["external_number", "customer_name", "customer_contact", "lines__sku__code"]
    date_hierarchy = "ship_by"
    ordering = ["ship_by", "id"]
    inlines = [OrderLineInline, NoticeInline]
    actions = [
        "pack_orders",
        "ship_orders",
        "cancel_orders",
        "record_carrier_delay",
        "run_deadline_watch",
    ]
    change_list_template = "admin/fulfilment/order/change_list.html"
    readonly_fields = [
        "channel",
        "external_number",
        "scheme",
        "warehouse",
        "status",
        "watch",
        "stock_state",
        "accepted_local",
        "ship_by_local",
        "ship_by_source",
        "packed_local",
        "shipped_local",
        "handed_over",
        "delivered_local",
        "cancelled_local",
        "cancel_reason",
        "cancelled_by",
        "cancel_note",
        "carrier_delay_until",
        "watch_checked_local",
        "created_local",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("channel", "external_number"),
                    ("scheme", "warehouse"),
                    ("status", "watch", "stock_state"),
                ]
            },
        ),
        (
            _("Deadline"),
            {
                "fields": [
                    ("accepted_local", "ship_by_local", "ship_by_source"),
                    "watch_checked_local",
                ]
            },
        ),
        (
            _("Progress"),
            {
                "fields": [
                    ("packed_local", "shipped_local", "handed_over"),
                    "delivered_local",
                    "carrier_delay_until",
                ]
            },
        ),
        (
            _("Cancellation"),
            {"fields": [("cancelled_local", "cancel_reason", "cancelled_by"), "cancel_note"]},
        ),
        (_("Customer"), {"fields": [("customer_name", "customer_contact", "customer_language")]}),
    ]

    # Words, not ✓/✗ icons: a green ✓ beside "shipped late" or a red ✗ beside "short" on a fully
    # reserved order read as the opposite of what they mean.
    @admin.display(description=_("stock"), ordering="is_short")
    def stock_state(self, obj: Order) -> str:
        if obj.is_short:
            return badge(_("short"), WATCH_COLOURS.get("short"))
        return _("reserved")

    @admin.display(description=_("hand-over"), ordering="shipped_late")
    def handed_over(self, obj: Order) -> str:
        if obj.shipped_at is None:
            return "—"
        if obj.shipped_late:
            return badge(_("late"), WATCH_COLOURS.get("overdue"))
        return _("on time")

    # Warehouse work in the warehouse's own time, its zone shown (not the server's TIME_ZONE):
    # every instant of an order (core.times).
    ship_by_local = warehouse_time("ship_by", _("ship by (warehouse time)"))
    accepted_local = warehouse_time("accepted_at", _("accepted at"))
    packed_local = warehouse_time("packed_at", _("packed at"))
    shipped_local = warehouse_time("shipped_at", _("shipped at"))
    delivered_local = warehouse_time("delivered_at", _("delivered at"))
    cancelled_local = warehouse_time("cancelled_at", _("cancelled at"))
    watch_checked_local = warehouse_time("watch_checked_at", _("watch checked at"))
    created_local = warehouse_time("created_at", _("created at"))

    @admin.display(description=_("watch"), ordering="watch_state")
    def watch(self, obj: Order) -> str:
        return badge(
            obj.get_watch_state_display() if obj.watch_state else "",
            WATCH_COLOURS.get(obj.watch_state),
        )

    def has_add_permission(self, request) -> bool:
        return False  # orders come from the marketplace: intake, import or the API

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # cancel instead: deleting would orphan reservations

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "due-today/",
                self.admin_site.admin_view(self.due_today_view),
                name=f"{info[0]}_{info[1]}_due_today",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{info[0]}_{info[1]}_import",
            ),
        ] + super().get_urls()

    # --- views --------------------------------------------------------------------------------

    def due_today_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        groups = due_today()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("FBS orders due today, by warehouse"),
            "groups": groups,
            # What higher apps offer to print per warehouse (labels, the hand-over act).
            "sections": [(group, hooks.warehouse_documents(group.warehouse)) for group in groups],
            "now": timezone.now(),
            "total": sum(len(group.orders) for group in groups),
        }
        return TemplateResponse(request, "admin/fulfilment/order/due_today.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Store the upload and import it as a job: the run's page shows the result (a worker
        does the work; with no broker, this process does, after the request)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = orders_import_start(
                    upload=form.cleaned_data["file"],
                    channel=form.cleaned_data["channel"] or "ozon",
                    warehouse=form.cleaned_data["warehouse"],
                    skip_bad_rows=form.cleaned_data["skip_bad_rows"],
                    user=request.user,
                )
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                if not run.finished:
                    self.message_user(
                        request, _("The import has started; this page shows its result.")
                    )
                elif run.status == run.Status.FAILED:
                    self.message_user(request, run.error, messages.ERROR)
                else:
                    failed = run.result.get("status") == "failed" or run.result.get("failed")
                    level = messages.ERROR if failed else messages.SUCCESS
                    self.message_user(request, run.result["report"].splitlines()[0], level)
                return redirect("admin:core_jobrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import marketplace orders"),
            "form": form,
        }
        return TemplateResponse(request, "admin/fulfilment/order/import.html", context)

    # --- actions ------------------------------------------------------------------------------

    def _report(self, request, done: int, errors: list[str], verb: str) -> None:
        if done:
            self.message_user(request, verb(done), messages.SUCCESS)
        for error in errors[:20]:
            self.message_user(request, error, messages.ERROR)

    @admin.action(description=_("Pack selected orders"), permissions=["change"])
    def pack_orders(self, request, queryset: QuerySet[Order]):
        apply_each(
            request,
            queryset,
            lambda order: order_pack(order=order, actor=actor_for(request)),
            success=lambda n: ngettext("%(n)d order packed.", "%(n)d orders packed.", n) % {"n": n},
            refusal=lambda order, exc: exc.message,
            max_refusals=20,
        )

    @admin.action(description=_("Hand selected orders to the carrier"), permissions=["change"])
    def ship_orders(self, request, queryset: QuerySet[Order]):
        outcomes = order_ship_batch(orders=list(queryset.order_by("pk")), actor=actor_for(request))
        self._report(
            request,
            sum(o.ok for o in outcomes),
            [o.error.message for o in outcomes if o.error],
            lambda n: (
                ngettext(
                    "%(n)d order handed to the carrier.", "%(n)d orders handed to the carrier.", n
                )
                % {"n": n}
            ),
        )

    def _form_action(self, request, queryset, form_class, action: str, title: str, apply, verb):
        form = form_class(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            apply_each(
                request,
                queryset,
                lambda order: apply(order, form.cleaned_data),
                success=verb,
                refusal=lambda order, exc: exc.message,
                max_refusals=20,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "orders": queryset,
            "action": action,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/fulfilment/order/action_form.html", context)

    @admin.action(description=_("Cancel selected orders…"), permissions=["change"])
    def cancel_orders(self, request, queryset: QuerySet[Order]):
        def apply(order, data):
            order_cancel(
                order=order,
                reason=data["reason"],
                cancelled_by=data["cancelled_by"],
                note=data["note"],
                actor=actor_for(request),
            )

        return self._form_action(
            request,
            queryset,
            CancelForm,
            "cancel_orders",
            _("Cancel orders"),
            apply,
            lambda n: ngettext("%(n)d order cancelled.", "%(n)d orders cancelled.", n) % {"n": n},
        )

    @admin.action(description=_("Record a carrier delay…"), permissions=["change"])
    def record_carrier_delay(self, request, queryset: QuerySet[Order]):
        def apply(order, data):
            order_carrier_delay_record(order=order, new_estimate=data["new_estimate"])

        return self._form_action(
            request,
            queryset,
            CarrierDelayForm,
            "record_carrier_delay",
            _("Record a carrier delay"),
            apply,
            lambda n: (
                ngettext(
                    "%(n)d order marked as delayed by the carrier.",
                    "%(n)d orders marked as delayed by the carrier.",
                    n,
                )
                % {"n": n}
            ),
        )

    @admin.action(description=_("Run the deadline watch now"), permissions=["change"])
    def run_deadline_watch(self, request, queryset):
        summary = deadline_watch_run()
        counts = ", ".join(
            f"{WatchState(k).label.lower()}: {v}" for k, v in sorted(summary.counts.items()) if k
        )
        self.message_user(
            request,
            ngettext(
                "Deadline watch: %(counts)s; %(n)d notice queued.",
                "Deadline watch: %(counts)s; %(n)d notices queued.",
                summary.notices_queued,
            )
            % {"counts": counts or gettext("no open FBS orders"), "n": summary.notices_queued},
            messages.SUCCESS,
        )


def _channel_choices() -> list[tuple[str, str]]:
    labels = {"email": _("E-mail"), "buyer_chat": _("Marketplace buyer chat")}
    return [("", _("Keep each notice's channel"))] + [
        (name, labels.get(name, name)) for name in conf.setting("NOTICE_CHANNELS")
    ]


class ResendNoticeForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=_channel_choices, required=False)
    recipient = forms.CharField(
        label=_("Recipient"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to keep each notice's recipient. E-mail needs an address."),
    )


class NoticeForm(forms.ModelForm):
    class Meta:
        model = Notice
        fields = ["subject", "body"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    form = NoticeForm
    list_display = [
        "order",
        "kind",
        "state",
        "channel",
        "recipient",
        "language",
        "compensation_kind",
        "attempts",
        "created_local",
    ]
    list_filter = ["status", "kind", "channel", "language", "compensation_kind"]
    list_select_related = ["order__warehouse"]
    search_fields = ["order__external_number", "recipient", "subject"]
    actions = ["approve_notices", "resend_notices"]
    readonly_fields = [
        "order",
        "kind",
        "event_key",
        "state",
        "channel",
        "recipient",
        "language",
        "estimated_date",
        "compensation_kind",
        "compensation_value",
        "attempts",
        "last_error",
        "fallback_reason",
        "edited",
        "approved_by",
        "approved_local",
        "created_local",
        "sent_local",
        "preview",
    ]
    fieldsets = [
        (None, {"fields": [("order", "kind", "event_key"), ("state", "attempts", "last_error")]}),
        (_("Message"), {"fields": ["preview", "subject", "body", "edited"]}),
        (
            _("Delivery"),
            {
                "fields": [
                    ("channel", "recipient", "language"),
                    "fallback_reason",
                    ("estimated_date", "compensation_kind", "compensation_value"),
                ]
            },
        ),
        (
            _("History"),
            {"fields": [("approved_by", "approved_local"), ("created_local", "sent_local")]},
        ),
    ]
    # A notice is about an order: its times in that order's warehouse time, like the order's.
    approved_local = warehouse_time("approved_at", _("approved at"), warehouse="order.warehouse")
    created_local = warehouse_time("created_at", _("created at"), warehouse="order.warehouse")
    sent_local = warehouse_time("sent_at", _("sent at"), warehouse="order.warehouse")

    @admin.display(description=_("status"), ordering="status")
    def state(self, obj: Notice) -> str:
        return badge(obj.get_status_display(), NOTICE_COLOURS.get(obj.status))

    @admin.display(description=_("preview"))
    def preview(self, obj: Notice) -> str:
        return format_html(
            '<div style="max-width:60em;border:1px solid #ccc;padding:8px 12px;background:#fafafa">'
            '<strong>{}</strong><pre style="white-space:pre-wrap;font-family:inherit">{}</pre></div>',
            obj.subject,
            obj.body,
        )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in (NoticeStatus.SENT, NoticeStatus.SENDING):
            fields += ["subject", "body"]
        return fields

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        if change and form.has_changed():
            try:
                notice_edit(
                    notice=obj,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                    user=request.user,
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)

    @admin.action(description=_("Approve and send"), permissions=["change"])
    def approve_notices(self, request, queryset):
        self._each(
            request,
            queryset,
            lambda n: notice_approve(notice=n, user=request.user),
            lambda n: ngettext("%(n)d notice approved.", "%(n)d notices approved.", n) % {"n": n},
        )

    @admin.action(description=_("Send again…"), permissions=["change"])
    def resend_notices(self, request, queryset):
        """Failed or sent notices go out again, by their channel or another one: the form
        names the channel and, optionally, a new recipient (e-mail needs an address)."""
        form = ResendNoticeForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            self._each(
                request,
                queryset.select_related("order").order_by("pk"),
                lambda n: notice_resend(
                    notice=n,
                    user=request.user,
                    channel=data["channel"] or None,
                    recipient=data["recipient"] or None,
                ),
                lambda n: (
                    ngettext(
                        "%(n)d notice queued again: it is pending until the worker sends it.",
                        "%(n)d notices queued again: they are pending until the worker sends them.",
                        n,
                    )
                    % {"n": n}
                ),
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Send notices again"),
            "form": form,
            "notices": queryset.select_related("order").order_by("pk"),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/fulfilment/notice/resend.html", context)

    def _each(self, request, queryset, apply, verb):
        apply_each(
            request,
            queryset,
            apply,
            success=verb,
            refusal=lambda n, exc: f"{n.order.external_number}: {exc.message}",
        )


from fulfilment import admin_substitutes  # noqa: E402,F401  registers the savable short orders
