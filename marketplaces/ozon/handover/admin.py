"""Carriages in the admin: the day's hand-over per warehouse (asks Ozon for the delivery
methods, then queues one carriage each), their status and Ozon's error, and the act."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import ViewOnlyAdminMixin
from marketplaces.ozon.client import OzonClient, OzonError
from marketplaces.ozon.handover.carriage import carriage_request, delivery_methods
from marketplaces.ozon.handover.models import Carriage, CarriageStatus
from marketplaces.ozon.models import WarehouseLink


class HandoverForm(forms.Form):
    warehouse_link = forms.ModelChoiceField(
        queryset=WarehouseLink.objects.select_related("account", "warehouse"),
        label=_("Ozon warehouse"),
    )
    departure_date = forms.DateField(label=_("departure date"), initial=timezone.localdate)


@admin.register(Carriage)
class CarriageAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "departure_date",
        "warehouse_link",
        "delivery_method_name",
        "carriage_id",
        "status",
        "posting_count",
        "act",
        "last_error",
    )
    list_filter = ("status", "departure_date", "account")
    list_select_related = ("warehouse_link", "account")
    search_fields = ("carriage_id", "delivery_method_name")
    readonly_fields = [f.name for f in Carriage._meta.fields]
    actions = ["send_again"]

    @admin.display(description=_("postings"))
    def posting_count(self, obj: Carriage) -> int:
        return len(obj.postings or [])

    @admin.display(description=_("act"))
    def act(self, obj: Carriage) -> str:
        if obj.status != CarriageStatus.APPROVED:
            return "–"
        return format_html(
            '<a href="{}">{}</a>', reverse("ozon-carriage-act", args=[obj.pk]), _("PDF")
        )

    @admin.action(description=_("Send the selected failed carriages to Ozon again"))
    def send_again(self, request: HttpRequest, queryset) -> None:
        failed = list(
            queryset.filter(status=CarriageStatus.FAILED).select_related("warehouse_link")
        )
        for carriage in failed:
            carriage_request(
                warehouse_link=carriage.warehouse_link,
                delivery_method_id=carriage.delivery_method_id,
                departure_date=carriage.departure_date,
            )
        self.message_user(request, _("%(n)d carriages queued again.") % {"n": len(failed)})

    def get_urls(self):
        return [
            path(
                "hand-over/",
                self.admin_site.admin_view(self.handover_view),
                name="ozon_handover_carriage_handover",
            ),
        ] + super().get_urls()

    def handover_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("ozon_handover.add_carriage"):
            raise PermissionDenied
        form = HandoverForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            link, day = form.cleaned_data["warehouse_link"], form.cleaned_data["departure_date"]
            try:
                with OzonClient.for_account(link.account, max_attempts=2) as client:
                    methods = delivery_methods(
                        warehouse_link=link, departure_date=day, client=client
                    )
            except OzonError as exc:
                messages.error(
                    request, _("Ozon did not list the delivery methods: %(e)s") % {"e": exc.message}
                )
            else:
                with transaction.atomic():
                    queued = [
                        carriage_request(
                            warehouse_link=link,
                            delivery_method_id=int(method["delivery_method_id"]),
                            departure_date=day,
                            delivery_method_name=str(method.get("delivery_method_name") or "")[
                                :200
                            ],
                        )
                        for method in methods
                        if method.get("delivery_method_id")
                    ]
                if queued:
                    messages.success(
                        request,
                        _("%(n)d carriages queued for Ozon; their acts appear here once approved.")
                        % {"n": len(queued)},
                    )
                    return HttpResponseRedirect(reverse("admin:ozon_handover_carriage_changelist"))
                messages.warning(
                    request, _("Ozon has no delivery method with postings to hand over that day.")
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Hand over to the carrier"),
            "form": form,
        }
        return TemplateResponse(request, "admin/ozon_handover/carriage/handover.html", context)
