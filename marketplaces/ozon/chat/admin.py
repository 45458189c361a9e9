from django.contrib import admin

from core.admin_mixins import ViewOnlyAdminMixin
from marketplaces.ozon.chat.models import ChatDelivery


@admin.register(ChatDelivery)
class ChatDeliveryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
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
