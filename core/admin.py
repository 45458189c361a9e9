from django.contrib import admin, messages
from django.utils.html import format_html

from core import services
from core.admin_actions import apply_each
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

    @admin.display(description="token")
    def token_state(self, obj: ScannerDevice) -> str:
        return f"{obj.token_prefix}…" if obj.has_token else "—"

    @admin.action(description="Issue a new token (shown once)")
    def issue_token(self, request, queryset):
        for device in queryset:
            token = services.scanner_device_issue_token(device=device)
            self.message_user(
                request,
                format_html(
                    "New token for <b>{}</b> — copy it now, it will not be shown again: "
                    "<code style='user-select:all'>{}</code>",
                    device.name,
                    token,
                ),
                messages.WARNING,
            )

    @admin.action(description="Revoke token")
    def revoke_token(self, request, queryset):
        apply_each(
            request,
            queryset,
            lambda device: services.scanner_device_revoke(device=device),
            success=lambda n: f"Revoked {n} device token(s).",
        )


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ("created_at", "principal", "key", "method", "path", "status_code")
    list_filter = ("method", "status_code")
    search_fields = ("key", "principal", "path")
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


from core import admin_jobs  # noqa: E402,F401  (registers the job-run admin)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "valid_from", "rate", "note")
    list_filter = ("currency",)
    date_hierarchy = "valid_from"
    search_fields = ("currency", "note")
