"""Ozon stores, what links their objects to Zapas's, and what goes back to Ozon (the outbox).

Zapas's own records (warehouses, SKUs, orders, stock) stay in ``inventory`` and ``fulfilment``;
these tables hold only Ozon's identifiers and state beside them, so a second marketplace is
another app beside this one with tables of its own.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplaces.ozon import crypto

DEFAULT_API_URL = "https://api-seller.ozon.ru"


class OzonAccount(models.Model):
    """One Ozon store (Client-Id). The API key is stored encrypted and never shown back."""

    name = models.CharField(_("name"), max_length=100)
    client_id = models.CharField(_("Client-Id"), max_length=32, unique=True)
    api_key_encrypted = models.TextField(editable=False, blank=True)
    base_url = models.URLField(_("API URL"), default=DEFAULT_API_URL)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    push_stock = models.BooleanField(
        _("push stock"), default=False, help_text=_("Send Zapas's available stock to Ozon.")
    )
    stock_buffer = models.PositiveIntegerField(
        _("stock buffer"), default=0, help_text=_("Units per SKU held back from Ozon.")
    )
    create_unknown_skus = models.BooleanField(
        _("create unknown SKUs"),
        default=True,
        help_text=_("Ozon offers with no Zapas SKU of that code become SKUs."),
    )
    fbo_source_warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("FBO supplies leave from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "own"},
        help_text=_(
            "The own warehouse whose stock Ozon supply orders take. Empty: the warehouse of the "
            "first linked FBS warehouse, else the first active own one."
        ),
    )
    from_environment = models.BooleanField(
        default=False, editable=False, help_text=_("Created from OZON_CLIENT_ID / OZON_API_KEY.")
    )
    key_expires_at = models.DateTimeField(_("API key expires"), null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Where the status-change window of the last successful sync ended (the next one overlaps it).
    postings_synced_to = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Ozon account")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    def set_api_key(self, raw: str) -> None:
        self.api_key_encrypted = crypto.encrypt(raw.strip())

    @property
    def api_key(self) -> str:
        return crypto.decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""

    @property
    def has_api_key(self) -> bool:
        return bool(self.api_key_encrypted)


class WarehouseLink(models.Model):
    """An Ozon FBS/rFBS warehouse and the Zapas warehouse it is."""

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="warehouses")
    ozon_warehouse_id = models.BigIntegerField()
    name = models.CharField(max_length=200)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="ozon_links"
    )
    status = models.CharField(max_length=32, blank=True)
    is_rfbs = models.BooleanField(default=False)
    push_stock = models.BooleanField(
        _("push stock"), default=True, help_text=_("Also needs the account's flag.")
    )
    opening_stock_loaded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "ozon_warehouse_id"], name="ozon_warehouse_once_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ozon_warehouse_id})"


class ProductLink(models.Model):
    """An Ozon product (``offer_id`` = the Zapas SKU code) with Ozon's identifiers."""

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="products")
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="ozon_links")
    offer_id = models.CharField(max_length=64)
    product_id = models.BigIntegerField()
    ozon_sku = models.BigIntegerField(null=True, blank=True)
    barcodes = models.JSONField(default=list, blank=True)
    is_archived = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "offer_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "offer_id"], name="ozon_offer_once"),
            models.UniqueConstraint(fields=["account", "product_id"], name="ozon_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.offer_id} ({self.product_id})"


class PostingScheme(models.TextChoices):
    FBS = "fbs", "FBS"
    FBO = "fbo", "FBO"


class Posting(models.Model):
    """Ozon's view of a posting taken in as a Zapas order."""

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="postings")
    posting_number = models.CharField(max_length=64)
    scheme = models.CharField(max_length=3, choices=PostingScheme.choices)
    order = models.OneToOneField(
        "fulfilment.Order",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ozon_posting",
    )
    ozon_warehouse_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=32)
    substatus = models.CharField(max_length=48, blank=True)
    parent_posting_number = models.CharField(max_length=64, blank=True)
    in_process_at = models.DateTimeField(null=True, blank=True)
    shipment_date = models.DateTimeField(null=True, blank=True)
    cancel_reason_id = models.BigIntegerField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=255, blank=True)
    cancellation_initiator = models.CharField(max_length=32, blank=True)
    affect_cancellation_rating = models.BooleanField(null=True, blank=True)
    products = models.JSONField(default=list, help_text="[[ozon sku, offer id, quantity], …]")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-in_process_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "posting_number"], name="ozon_posting_once_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.posting_number


class OutboxKind(models.TextChoices):
    SHIP = "ship", _("Pack (ship) posting")
    CANCEL = "cancel", _("Cancel posting")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SUPERSEDED = "superseded", _("Superseded by Ozon's state")


class OutboxMessage(models.Model):
    """A call that changes something at Ozon, written in the transaction of the local change.

    Sent after commit by a task and retried with backoff; ``dedup_key`` makes a second write of
    the same change a no-op, so a crash between the change and the call sends nothing twice.
    """

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="outbox")
    kind = models.CharField(max_length=8, choices=OutboxKind.choices)
    posting_number = models.CharField(max_length=64)
    dedup_key = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    status = models.CharField(
        max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbox message")
        constraints = [
            models.UniqueConstraint(fields=["account", "dedup_key"], name="ozon_outbox_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="ozon_outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.posting_number}"


class StockPush(models.Model):
    """The stock outbox: one row per linked product and warehouse, coalescing its changes.

    A ledger or reservation change sets ``pending_since`` (if unset) in the stock transaction;
    the push task sends the absolute quantity available *at send time* and clears it.
    """

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="stock_pushes")
    product = models.ForeignKey(ProductLink, on_delete=models.CASCADE, related_name="+")
    warehouse_link = models.ForeignKey(WarehouseLink, on_delete=models.CASCADE, related_name="+")
    # Denormalised from the links: the stock hook finds rows by (sku, warehouse) in one UPDATE.
    sku = models.ForeignKey("inventory.Sku", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.CASCADE, related_name="+")
    pending_since = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, help_text=_("Bumped by every change."))
    not_before = models.DateTimeField(
        null=True, blank=True, help_text=_("Ozon takes one update per pair every 30 s.")
    )
    last_pushed_quantity = models.IntegerField(null=True, blank=True)
    last_pushed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse_link"], name="ozon_stock_push_once"
            ),
        ]
        indexes = [
            models.Index(fields=["sku", "warehouse"], name="ozon_stock_push_pair_idx"),
            models.Index(
                fields=["account", "pending_since"],
                condition=Q(pending_since__isnull=False),
                name="ozon_stock_push_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_link_id}"


class SyncConflict(models.Model):
    """A posting changed in Zapas and at Ozon between two syncs; Ozon's state won."""

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="conflicts")
    posting_number = models.CharField(max_length=64)
    zapas_status = models.CharField(max_length=32)
    ozon_status = models.CharField(max_length=32)
    resolution = models.CharField(max_length=255)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.posting_number}: {self.zapas_status} vs {self.ozon_status}"


class SyncRun(models.Model):
    """One sync cycle (or one scheduled step) and its per-step summary."""

    account = models.ForeignKey(OzonAccount, on_delete=models.CASCADE, related_name="sync_runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    steps = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.started_at:%Y-%m-%d %H:%M}"
