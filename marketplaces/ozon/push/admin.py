from django.contrib import admin

from core.admin_mixins import ViewOnlyAdminMixin
from marketplaces.ozon.push.models import PushNotification


@admin.register(PushNotification)
class PushNotificationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "received_at",
        "account",
        "message_type",
        "posting_number",
        "status",
        "duplicates",
        "synced_at",
        "last_error",
    )
    list_filter = ("status", "message_type", "account")
    search_fields = ("posting_number",)
    list_select_related = ("account",)
    readonly_fields = [f.name for f in PushNotification._meta.fields]
