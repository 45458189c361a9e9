"""Ozon in the admin: stores (the API key is write-only), links, the outbox, conflicts, runs."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from marketplaces.ozon.models import (
    OutboxMessage,
    OzonAccount,
    Posting,
    ProductLink,
    StockPush,
    SyncConflict,
    SyncRun,
    WarehouseLink,
)


class OzonAccountForm(forms.ModelForm):
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the saved key."),
    )

    class Meta:
        model = OzonAccount
        fields = [
            "name",
            "client_id",
            "api_key",
            "base_url",
            "is_enabled",
            "push_stock",
            "stock_buffer",
            "create_unknown_skus",
            "fbo_source_warehouse",
        ]

    def clean(self):
        data = super().clean()
        if not data.get("api_key") and not (self.instance and self.instance.has_api_key):
            self.add_error("api_key", _("An account needs its API key."))
        return data

    def save(self, commit: bool = True) -> OzonAccount:
        account = super().save(commit=False)
        if self.cleaned_data.get("api_key"):
            account.set_api_key(self.cleaned_data["api_key"])
        if commit:
            account.save()
        return account


@admin.register(OzonAccount)
class OzonAccountAdmin(admin.ModelAdmin):
    form = OzonAccountForm
    list_display = [
        "name",
        "client_id",
        "is_enabled",
        "push_stock",
        "stock_buffer",
        "key_expires_at",
        "last_sync_at",
    ]
    readonly_fields = ["key_expires_at", "last_sync_at", "from_environment"]


@admin.register(WarehouseLink)
class WarehouseLinkAdmin(admin.ModelAdmin):
    list_display = ["name", "ozon_warehouse_id", "warehouse", "account", "push_stock", "status"]
    list_select_related = ["warehouse", "account"]
    list_editable = ["push_stock"]
    readonly_fields = ["account", "ozon_warehouse_id", "opening_stock_loaded_at"]
    list_filter = ["account"]


@admin.register(ProductLink)
class ProductLinkAdmin(admin.ModelAdmin):
    list_display = ["offer_id", "product_id", "ozon_sku", "sku", "account", "is_archived"]
    list_select_related = ["sku", "account"]
    list_filter = ["account", "is_archived"]
    search_fields = ["offer_id", "=product_id", "=ozon_sku"]
    readonly_fields = ["account", "sku", "offer_id", "product_id", "ozon_sku", "barcodes"]


@admin.register(Posting)
class PostingAdmin(admin.ModelAdmin):
    list_display = [
        "posting_number",
        "scheme",
        "status",
        "substatus",
        "shipment_date",
        "affect_cancellation_rating",
        "account",
    ]
    list_select_related = ["account"]
    list_filter = ["account", "scheme", "status"]
    search_fields = ["posting_number", "parent_posting_number"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "posting_number",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "kind", "account"]
    search_fields = ["posting_number"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StockPush)
class StockPushAdmin(admin.ModelAdmin):
    list_display = [
        "product",
        "warehouse_link",
        "pending_since",
        "last_pushed_quantity",
        "last_pushed_at",
        "last_error",
    ]
    list_select_related = ["product", "warehouse_link"]
    list_filter = ["account"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SyncConflict)
class SyncConflictAdmin(admin.ModelAdmin):
    list_display = ["created_at", "posting_number", "zapas_status", "ozon_status", "resolution"]
    list_filter = ["account"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "account", "ok"]
    list_filter = ["account", "ok"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False
