import segno
from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import services
from core.admin_actions import apply_each
from core.admin_mixins import ViewOnlyAdminMixin
from core.models import ExchangeRate, IdempotencyRecord, ScannerDevice


@admin.register(ScannerDevice)
class ScannerDeviceAdmin(admin.ModelAdmin):
    list_display = ("name", "warehouse", "user", "is_active", "token_state", "last_used_at")
    list_filter = ("is_active", "warehouse")
    list_select_related = ("warehouse", "user")
    search_fields = ("name", "user__username", "warehouse__code")
    autocomplete_fields = ("user",)
    readonly_fields = ("token_prefix", "token_issued_at", "last_used_at", "created_at")
    fields = ("name", "warehouse", "user", "is_active", *readonly_fields)
    actions = ("issue_token", "revoke_token")

    @admin.display(description=_("token"))
    def token_state(self, obj: ScannerDevice) -> str:
        return f"{obj.token_prefix}…" if obj.has_token else "—"

    @admin.action(description=_("Issue a new token and its sign-in code (shown once)"))
    def issue_token(self, request, queryset):
        """Issue a token per selected device and show each as a QR code to scan at the device.

        The code is a link to the scan station carrying the token in the fragment (never sent
        to the server): a phone's camera opens it, a handheld's scanner types it into the
        sign-in field. The page is the only place the token is ever shown."""
        station = request.build_absolute_uri(reverse("scan-station"))
        codes = []
        for device in queryset.select_related("warehouse"):
            token = services.scanner_device_issue_token(device=device)
            link = f"{station}#token={token}"
            codes.append(
                {
                    "device": device,
                    "token": token,
                    "link": link,
                    "qr": segno.make(link, error="m").svg_data_uri(scale=5, border=4),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Sign-in codes"),
            "opts": self.model._meta,
            "codes": codes,
        }
        response = TemplateResponse(request, "admin/core/scannerdevice/sign_in_codes.html", context)
        add_never_cache_headers(response)  # the tokens must not linger in a cache
        return response

    @admin.action(description=_("Revoke token"))
    def revoke_token(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda device: services.scanner_device_revoke(device=device),
            success=lambda n: (
                ngettext("Revoked %(n)d device token.", "Revoked %(n)d device tokens.", n)
                % {"n": n}
            ),
        )


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "principal", "key", "method", "path", "status_code")
    list_filter = ("method", "status_code")
    search_fields = ("key", "principal", "path")
    date_hierarchy = "created_at"


from core import admin_jobs  # noqa: E402,F401  (registers the job-run admin)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "valid_from", "rate", "note")
    list_filter = ("currency",)
    date_hierarchy = "valid_from"
    search_fields = ("currency", "note")
