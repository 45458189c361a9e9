"""Fulfilment domain: marketplace orders (postings), their lines and customer delay notices.

Status and quantities change only through ``fulfilment.services``: they lock the order row,
check the transition, and move stock through ``inventory.services`` in the same transaction.

Lifecycle (Ozon FBS posting statuses)::

    awaiting_packaging ──pack──▶ awaiting_deliver ──ship──▶ delivering ──deliver──▶ delivered
            └──────────────┴──────cancel──────▶ cancelled
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class OrderStatus(models.TextChoices):
    AWAITING_PACKAGING = "awaiting_packaging", "Awaiting packaging"
    AWAITING_DELIVER = "awaiting_deliver", "Packed, awaiting handover"
    DELIVERING = "delivering", "Handed to carrier"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class OrderScheme(models.TextChoices):
    FBS = "fbs", "FBS (seller ships)"
    FBO = "fbo", "FBO (marketplace ships)"


class CancelReason(models.TextChoices):
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    PREP_TIME_EXCEEDED = "prep_time_exceeded", "Preparation time exceeded"
    CUSTOMER_REQUEST = "customer_request", "Customer request"
    LOGISTICS = "logistics", "Logistics problem"
    QUALITY = "quality", "Quality problem"
    OTHER = "other", "Other"


class CancelledBy(models.TextChoices):
    SELLER = "seller", "Seller"
    CUSTOMER = "customer", "Customer"
    MARKETPLACE = "marketplace", "Marketplace"


class WatchState(models.TextChoices):
    """Deadline watch classification of an open FBS order (empty for closed or FBO orders)."""

    ON_TRACK = "on_track", "On track"
    DUE_SOON = "due_soon", "Due soon"
    OVERDUE = "overdue", "Overdue"
    SHORT = "short", "Short (no stock)"


class ShipBySource(models.TextChoices):
    COMPUTED = "computed", "Computed from the warehouse calendar"
    MARKETPLACE = "marketplace", "Given by the marketplace"


# Cancellations that count against the seller in marketplace metrics, whoever pressed the button
# (the marketplace cancels automatically when the prep time runs out).
SELLER_CAUSED_REASONS = (CancelReason.OUT_OF_STOCK, CancelReason.PREP_TIME_EXCEEDED)


class OrderQuerySet(models.QuerySet):
    def open(self) -> OrderQuerySet:
        return self.filter(status__in=Order.OPEN_STATUSES)

    def fbs(self) -> OrderQuerySet:
        return self.filter(scheme=OrderScheme.FBS)

    def seller_caused_cancellations(self) -> OrderQuerySet:
        return self.filter(status=OrderStatus.CANCELLED).filter(
            Q(cancelled_by=CancelledBy.SELLER) | Q(cancel_reason__in=SELLER_CAUSED_REASONS)
        )


class Order(models.Model):
    """A marketplace posting: one shipment of one or more SKUs from one warehouse."""

    OPEN_STATUSES = (OrderStatus.AWAITING_PACKAGING, OrderStatus.AWAITING_DELIVER)
    SHIPPED_STATUSES = (OrderStatus.DELIVERING, OrderStatus.DELIVERED)

    channel = models.CharField(max_length=32, default="ozon", help_text="Marketplace, e.g. ozon.")
    external_number = models.CharField(
        "posting number", max_length=64, help_text="The marketplace's posting number."
    )
    scheme = models.CharField(max_length=3, choices=OrderScheme.choices, default=OrderScheme.FBS)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.AWAITING_PACKAGING
    )
    accepted_at = models.DateTimeField(help_text="When the marketplace passed the order to us.")
    ship_by = models.DateTimeField("ship-by deadline", db_index=True)
    ship_by_source = models.CharField(
        max_length=12, choices=ShipBySource.choices, default=ShipBySource.COMPUTED
    )
    packed_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True, db_index=True)
    cancel_reason = models.CharField(max_length=20, choices=CancelReason.choices, blank=True)
    cancelled_by = models.CharField(max_length=12, choices=CancelledBy.choices, blank=True)
    cancel_note = models.TextField(blank=True)
    shipped_late = models.BooleanField(
        null=True, blank=True, help_text="Handed over after the ship-by deadline."
    )
    is_short = models.BooleanField(
        "short",
        default=False,
        help_text="Some units could not be reserved: the order cannot ship yet.",
    )
    watch_state = models.CharField(max_length=10, choices=WatchState.choices, blank=True)
    watch_checked_at = models.DateTimeField(null=True, blank=True)
    carrier_delay_until = models.DateField(
        null=True, blank=True, help_text="New delivery estimate after a carrier delay."
    )
    customer_name = models.CharField(max_length=200, blank=True)
    customer_contact = models.CharField(
        max_length=200, blank=True, help_text="E-mail or phone, where the marketplace gives it."
    )
    customer_language = models.CharField(max_length=8, blank=True, help_text="e.g. ru, en")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["ship_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_number"], name="order_external_number_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status=OrderStatus.CANCELLED)
                | (~Q(cancel_reason="") & ~Q(cancelled_by="")),
                name="order_cancellation_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "warehouse", "ship_by"]),
            # Partial: the few orders that are short or watched, not every order ever shipped
            # (a hand-over then writes two index entries fewer).
            models.Index(
                fields=["warehouse", "ship_by"], condition=Q(is_short=True), name="order_short_idx"
            ),
            models.Index(
                fields=["watch_state"], condition=~Q(watch_state=""), name="order_watched_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.external_number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_seller_caused_cancellation(self) -> bool:
        return self.status == OrderStatus.CANCELLED and (
            self.cancelled_by == CancelledBy.SELLER or self.cancel_reason in SELLER_CAUSED_REASONS
        )


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("inventory.Sku", on_delete=models.PROTECT, related_name="order_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    reserved_quantity = models.PositiveIntegerField(
        default=0, help_text="Units of this line reserved on the warehouse's stock."
    )
    packed_quantity = models.PositiveIntegerField(
        default=0, help_text="Units scanned into the box."
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "sku"], name="order_line_unique_sku"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(reserved_quantity__lte=F("quantity")),
                name="order_line_reserved_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(packed_quantity__lte=F("quantity")),
                name="order_line_packed_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.sku_id} × {self.quantity}"

    @property
    def missing_quantity(self) -> int:
        """Units not reserved yet (the shortfall of a short order)."""
        return self.quantity - self.reserved_quantity

    @property
    def remaining_to_pack(self) -> int:
        return self.quantity - self.packed_quantity

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


class NoticeKind(models.TextChoices):
    SHORT = "short", "Order short of stock"
    DUE_SOON_SHORT = "due_soon_short", "Deadline near while short"
    OVERDUE = "overdue", "Ship-by deadline missed"
    CARRIER_DELAY = "carrier_delay", "Carrier delay"


class NoticeStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class CompensationKind(models.TextChoices):
    COUPON = "coupon", "Coupon (percent off)"
    FREE_DELIVERY_UPGRADE = "free_delivery_upgrade", "Free delivery upgrade"
    GIFT = "gift", "Gift"
    NONE = "none", "None"


class Notice(models.Model):
    """A customer delay notice in the outbox. One per (order, kind, event key), ever."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=16, choices=NoticeKind.choices)
    event_key = models.CharField(
        max_length=64, help_text="Identifies the event (e.g. the deadline it is about)."
    )
    channel = models.CharField(max_length=32, default="email")
    recipient = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, default="ru")
    subject = models.CharField(max_length=255)
    body = models.TextField()
    estimated_date = models.DateField(null=True, blank=True)
    compensation_kind = models.CharField(
        max_length=24, choices=CompensationKind.choices, default=CompensationKind.NONE
    )
    compensation_value = models.DecimalField(
        max_digits=6, decimal_places=2, null=True, blank=True, help_text="Coupon percent."
    )
    status = models.CharField(
        max_length=20, choices=NoticeStatus.choices, default=NoticeStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    fallback_reason = models.TextField(
        blank=True, help_text="Why the notice went by another channel than the planned one."
    )
    edited = models.BooleanField(default=False, help_text="Text changed by staff.")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sending_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order", "kind", "event_key"], name="notice_once_per_event"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.order_id}"


class SavableShortOrder(Order):
    """Open short orders an in-stock substitute could save (an admin view of its own)."""

    class Meta:
        proxy = True
        verbose_name = "short order a substitute could save"
        verbose_name_plural = "short orders a substitute could save"
