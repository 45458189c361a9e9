"""Inventory domain: what we sell, where it lies, who supplies it, and every unit that moved.

Quantities of stock are integers (units). ``StockLevel.on_hand`` changes only through
``inventory.services``, which lock the row and append a ``StockMovement`` in the same
transaction, so on hand always equals the sum of the ledger.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from core.barcodes import EAN8, EAN13, OTHER, UPCA, validate_barcode
from core.constraints import FieldConstraintMessages
from core.money import currency_validate

ZERO = Decimal("0")


def _validate_time_zone(value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"Unknown time zone {value!r}.") from exc


def _validate_weekdays(value: str) -> None:
    if not value or any(ch not in "1234567" for ch in value) or len(set(value)) != len(value):
        raise ValidationError("Working days are ISO weekday digits 1 (Mon) … 7 (Sun), e.g. 12345.")


class FulfilmentScheme(models.TextChoices):
    FBS = "fbs", "FBS (seller ships)"
    FBO = "fbo", "FBO (marketplace ships)"
    BOTH = "both", "FBS and FBO"


class AbcClass(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Supplier(FieldConstraintMessages, models.Model):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    contact = models.TextField(blank=True, help_text="Person, e-mail, phone.")
    currency = models.CharField(
        max_length=3,
        default="RUB",
        validators=[currency_validate],
        help_text="ISO 4217 code of the supplier's prices, purchase orders and minimum order value.",
    )
    lead_time_mean_days = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        help_text="Mean days from order to arrival.",
    )
    lead_time_sd_days = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO)],
        help_text="Standard deviation of the lead time, days.",
    )
    order_cycle_days = models.PositiveSmallIntegerField(
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Days between orders (review period).",
    )
    min_order_value = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lead_time_mean_days__gte=0) & Q(lead_time_sd_days__gte=0),
                name="supplier_lead_time_non_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class Sku(FieldConstraintMessages, models.Model):
    code = models.CharField("offer id", max_length=64, unique=True)
    name = models.CharField(max_length=255)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    sale_price = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    weight_kg = models.DecimalField(max_digits=8, decimal_places=3, default=ZERO)
    volume_l = models.DecimalField("volume (l)", max_digits=9, decimal_places=3, default=ZERO)
    fbs_prep_days = models.PositiveSmallIntegerField(
        "FBS prep time (days)",
        default=1,
        help_text="Working days the marketplace gives to hand an FBS order over.",
    )
    scheme = models.CharField(
        max_length=4, choices=FulfilmentScheme.choices, default=FulfilmentScheme.FBS
    )
    service_level = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
        help_text="Target cycle service level 0.50–0.999; empty = the default for its ABC class.",
    )
    abc_class = models.CharField(max_length=1, choices=AbcClass.choices, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        constraints = [
            models.CheckConstraint(
                condition=Q(service_level__isnull=True)
                | (Q(service_level__gte=Decimal("0.5")) & Q(service_level__lte=Decimal("0.999"))),
                name="sku_service_level_range",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost__gte=0) & Q(sale_price__gte=0), name="sku_prices_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def effective_service_level(self) -> Decimal:
        if self.service_level is not None:
            return self.service_level
        return Decimal(str(settings.ZAPAS["DEFAULT_SERVICE_LEVEL"]))


class Barcode(models.Model):
    class Symbology(models.TextChoices):
        EAN13 = EAN13, "EAN-13"
        EAN8 = EAN8, "EAN-8"
        UPCA = UPCA, "UPC-A"
        OTHER = OTHER, "Other"

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="barcodes")
    code = models.CharField(max_length=64, unique=True)
    symbology = models.CharField(max_length=8, choices=Symbology.choices, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs) -> None:
        if not self.symbology:
            self.symbology = validate_barcode(self.code)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        try:
            self.code = (self.code or "").strip()
            self.symbology = validate_barcode(self.code, self.symbology or None)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from exc


class SupplierItem(FieldConstraintMessages, models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="supplier_items")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="items")
    supplier_code = models.CharField(max_length=64, blank=True)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    moq = models.PositiveIntegerField("MOQ", default=1, validators=[MinValueValidator(1)])
    pack_size = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    lead_time_mean_days = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Overrides the supplier's mean lead time for this SKU.",
    )
    lead_time_sd_days = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Overrides the supplier's lead-time spread for this SKU.",
    )
    is_primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["sku", "-is_primary", "supplier"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "supplier"], name="supplier_item_unique"),
            models.UniqueConstraint(
                fields=["sku"], condition=Q(is_primary=True), name="one_primary_supplier_per_sku"
            ),
            models.CheckConstraint(
                condition=Q(moq__gte=1) & Q(pack_size__gte=1),
                name="supplier_item_moq_pack_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku.code} from {self.supplier.code}"

    @property
    def effective_lead_time_mean(self) -> Decimal:
        if self.lead_time_mean_days is not None:
            return self.lead_time_mean_days
        return self.supplier.lead_time_mean_days

    @property
    def effective_lead_time_sd(self) -> Decimal:
        if self.lead_time_sd_days is not None:
            return self.lead_time_sd_days
        return self.supplier.lead_time_sd_days


class FboCluster(models.Model):
    """A marketplace's cluster: the region a group of its FBO warehouses serves.

    An order shipped from a warehouse outside the buyer's cluster costs the seller a surcharge,
    so FBO stock is planned per cluster. ``code`` is the marketplace's identifier
    (``ozon-<macrolocal_cluster_id>``); the marketplace app keeps the list current.
    """

    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "code"]
        verbose_name = "FBO cluster"

    def __str__(self) -> str:
        return self.name


class Warehouse(models.Model):
    class Kind(models.TextChoices):
        OWN = "own", "Own warehouse (FBS)"
        FBO = "fbo", "Marketplace warehouse (FBO)"

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.OWN)
    time_zone = models.CharField(
        max_length=64, default="Europe/Moscow", validators=[_validate_time_zone]
    )
    cutoff_time = models.TimeField(
        default="14:00",
        help_text="Orders accepted after this local time count from the next working day.",
    )
    working_days = models.CharField(
        max_length=7,
        default="12345",
        validators=[_validate_weekdays],
        help_text="ISO weekdays the warehouse ships on: 1 = Monday … 7 = Sunday.",
    )
    transit_days = models.PositiveSmallIntegerField(
        default=3, help_text="FBO warehouses: days for a transfer from our own warehouse to arrive."
    )
    is_active = models.BooleanField(default=True)
    cluster = models.ForeignKey(
        FboCluster,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="warehouses",
        help_text="FBO warehouses: the marketplace cluster it belongs to.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def is_fbo(self) -> bool:
        return self.kind == self.Kind.FBO


class WarehouseHoliday(models.Model):
    """An exception to the warehouse's working weekdays: a day off (a public holiday), or a
    working day on a usual day off (Russia's production calendar moves working days onto
    Saturdays)."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)
    is_working_day = models.BooleanField(
        default=False,
        help_text="A working day although its weekday is not one (else a day off).",
    )

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "date"], name="holiday_unique_per_warehouse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}{' (working day)' if self.is_working_day else ''}".strip()


class StockLevelQuerySet(models.QuerySet):
    def with_available(self) -> StockLevelQuerySet:
        return self.annotate(available_qty=F("on_hand") - F("reserved"))


class StockLevel(models.Model):
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        ordering = ["sku", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stock_level_unique"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0), name="stock_reserved_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.sku_id}@{self.warehouse_id}: {self.on_hand} on hand, {self.reserved} reserved"
        )

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class FboStockReport(models.Model):
    """What the marketplace reports about a SKU at one of its FBO warehouses (units).

    Not a ledger: the marketplace counts this stock, Zapas only reads it. For a warehouse with
    a report the planner takes these figures instead of the warehouse's ``StockLevel``. Written
    only by ``inventory.services.fbo_stock_report_replace``.
    """

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="fbo_reports")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="fbo_reports")
    available = models.PositiveIntegerField(default=0, help_text="Available for sale.")
    in_transit = models.PositiveIntegerField(default=0, help_text="In supplies on their way.")
    requested = models.PositiveIntegerField(default=0, help_text="In supply requests.")
    daily_sales = models.DecimalField(
        max_digits=12,
        decimal_places=3,
        default=ZERO,
        help_text="Average units sold a day over the last 28 days in the cluster.",
    )
    days_of_cover = models.DecimalField(
        max_digits=10, decimal_places=1, null=True, blank=True, help_text="Days the stock lasts."
    )
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["warehouse", "sku"]
        verbose_name = "FBO stock report"
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="fbo_report_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} @ {self.warehouse_id}: {self.available}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    SHIPMENT = "shipment", "Shipment"
    ADJUSTMENT = "adjustment", "Count adjustment"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    RETURN = "return", "Customer return"
    OPENING = "opening", "Opening balance"


INBOUND_KINDS = [
    MovementKind.RECEIPT,
    MovementKind.TRANSFER_IN,
    MovementKind.RETURN,
    MovementKind.OPENING,
]
OUTBOUND_KINDS = [MovementKind.SHIPMENT, MovementKind.TRANSFER_OUT]


class StockMovement(models.Model):
    """One change of on hand. Append-only: rows are never updated or deleted."""

    # No index of its own: the (sku, warehouse, created_at) index below serves sku lookups.
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements", db_index=False)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=16, choices=MovementKind.choices)
    quantity = models.IntegerField(help_text="Signed change of on hand (units).")
    on_hand_after = models.IntegerField()
    reason = models.CharField(max_length=255, blank=True)
    document_type = models.CharField(
        max_length=32, blank=True, help_text="e.g. purchase_order, order, transfer, count"
    )
    document_ref = models.CharField(max_length=64, blank=True, help_text="Number of the document.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.CharField(
        max_length=64, blank=True, help_text="Scanner or system that recorded it."
    )
    idempotency_key = models.CharField(max_length=128, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["sku", "warehouse", "created_at"]),
            # receipts by purchase order (supplier learning reads the changed orders' only);
            # partial, so shipments and counts do not pay for it
            models.Index(
                fields=["document_ref"],
                condition=Q(kind="receipt", document_type="purchase_order"),
                name="movement_po_receipt",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="movement_idempotency_key_unique_per_warehouse",
            ),
            models.CheckConstraint(condition=~Q(quantity=0), name="movement_quantity_non_zero"),
            # Inbound kinds add, outbound kinds take; only a count adjustment goes either way.
            models.CheckConstraint(
                condition=Q(kind__in=INBOUND_KINDS, quantity__gt=0)
                | Q(kind__in=OUTBOUND_KINDS, quantity__lt=0)
                | Q(kind=MovementKind.ADJUSTMENT),
                name="movement_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(on_hand_after__gte=0), name="movement_balance_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d} {self.sku_id}@{self.warehouse_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValidationError("Stock movements are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Stock movements are append-only and cannot be deleted.")


class PurchaseOrder(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent to supplier"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.DRAFT, Status.SENT, Status.PARTIALLY_RECEIVED)
    RECEIVABLE_STATUSES = (Status.SENT, Status.PARTIALLY_RECEIVED)

    number = models.CharField(max_length=32, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="purchase_orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    order_date = models.DateField(default=timezone.localdate)
    expected_arrival = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-order_date", "-id"]
        indexes = [models.Index(fields=["status", "expected_arrival"])]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class PurchaseOrderLine(FieldConstraintMessages, models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, on_delete=models.CASCADE, related_name="lines"
    )
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="purchase_order_lines")
    quantity_ordered = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_received = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["purchase_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "sku"], name="po_line_unique_sku"),
            models.CheckConstraint(
                condition=Q(quantity_ordered__gte=1), name="po_line_ordered_positive"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=0), name="po_line_received_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}: {self.sku_id} × {self.quantity_ordered}"

    @property
    def quantity_open(self) -> int:
        return max(0, self.quantity_ordered - self.quantity_received)


class Transfer(models.Model):
    """Stock sent from an own warehouse to a marketplace (FBO) warehouse."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_TRANSIT = "in_transit", "In transit"
        PARTIALLY_RECEIVED = "partially_received", "Partially received"
        RECEIVED = "received", "Received"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.DRAFT, Status.IN_TRANSIT, Status.PARTIALLY_RECEIVED)

    number = models.CharField(max_length=32, unique=True)
    source = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_out")
    destination = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="transfers_in"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    expected_arrival = models.DateField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("destination")),
                name="transfer_distinct_warehouses",
                violation_error_code="same_warehouse",
                violation_error_message="A transfer needs two different warehouses.",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TransferLine(FieldConstraintMessages, models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="transfer_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    quantity_dispatched = models.PositiveIntegerField(default=0)
    quantity_received = models.PositiveIntegerField(default=0)
    quantity_reserved = models.PositiveIntegerField(
        default=0,
        db_default=0,  # bulk loaders (the demo seed) insert lines without naming it
        help_text="Units held at the source for this line until it is dispatched.",
    )

    class Meta:
        ordering = ["transfer", "id"]
        constraints = [
            models.UniqueConstraint(fields=["transfer", "sku"], name="transfer_line_unique_sku"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="transfer_line_positive"),
            models.CheckConstraint(
                condition=Q(quantity_dispatched__lte=F("quantity")),
                name="transfer_line_dispatched_within_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity_dispatched")),
                name="transfer_line_received_within_dispatched",
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity")),
                name="transfer_line_reserved_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.transfer_id}: {self.sku_id} × {self.quantity}"

    @property
    def quantity_in_transit(self) -> int:
        return self.quantity_dispatched - self.quantity_received


class StockCount(models.Model):
    """One physical count, whether or not it found a difference (record accuracy needs both).

    Written by ``inventory.services.stock_count`` in the count's transaction; append-only.
    """

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="counts")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="counts")
    expected = models.IntegerField(help_text="On hand before the count.")
    counted = models.IntegerField()
    variance = models.IntegerField(help_text="Counted − expected.")
    unit_cost = models.DecimalField(
        max_digits=12, decimal_places=2, default=ZERO, help_text="The SKU's cost at the time."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    device = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["warehouse", "sku", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(variance=F("counted") - F("expected")), name="count_variance_matches"
            ),
            models.CheckConstraint(condition=Q(counted__gte=0), name="count_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id}@{self.warehouse_id}: {self.variance:+d}"

    @property
    def variance_value(self) -> Decimal:
        return abs(self.variance) * self.unit_cost


class SkuSubstitute(models.Model):
    """A SKU that can stand in for another when it runs out (shown to customers of short orders)."""

    class Kind(models.TextChoices):
        PACK = "pack", "Same product, another pack"
        COLOUR = "colour", "Another colour or size"
        SUCCESSOR = "successor", "Successor model"
        OTHER = "other", "Other equivalent"

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="substitutes")
    substitute = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="substitute_for")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 = offer first.")

    class Meta:
        ordering = ["sku", "priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sku", "substitute"], name="sku_substitute_unique"),
            models.CheckConstraint(
                condition=~Q(sku=F("substitute")),
                name="sku_substitute_not_itself",
                violation_error_message="A SKU cannot substitute for itself.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku_id} → {self.substitute_id}"
