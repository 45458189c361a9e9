from django.contrib import admin

from marketplaces.ozon.chat.models import ChatDelivery


@admin.register(ChatDelivery)
class ChatDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "posting_number",
        "notice",
        "account",
        "parts_sent",
        "parts_total",
        "started_at",
        "finished_at",
    )
    list_filter = ("account",)
    list_select_related = ("account", "notice")
    search_fields = ("posting_number", "chat_id")
    readonly_fields = [f.name for f in ChatDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
