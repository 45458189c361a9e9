"""Shared factory_boy factories for the inventory models.

Other apps import these. Stock is never written directly: ``stock_level()`` and
``StockLevelFactory`` go through ``inventory.services.stock_receive`` so that on hand always
equals the ledger.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from core.barcodes import gs1_check_digit
from inventory import services
from inventory.models import (
    Barcode,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    StockLevel,
    Supplier,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
    WarehouseHoliday,
)


def ean13(n: int, prefix: str = "460") -> str:
    """A valid EAN-13 built from a running number (prefix 460: Russia)."""
    body = f"{prefix}{n:0{12 - len(prefix)}d}"
    return body + str(gs1_check_digit(body))


def ean8(n: int) -> str:
    body = f"{n:07d}"
    return body + str(gs1_check_digit(body))


def upca(n: int) -> str:
    body = f"{n:011d}"
    return body + str(gs1_check_digit(body))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@zapas.test")
    # No hashing (PBKDF2 costs ~0.2 s a user); tests log in with ``client.force_login``.
    password = factory.LazyFunction(lambda: make_password(None))


class StaffUserFactory(UserFactory):
    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    is_superuser = True


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    code = factory.Sequence(lambda n: f"SUP{n:04d}")
    name = factory.Sequence(lambda n: f"Supplier {n}")
    lead_time_mean_days = Decimal("10")
    lead_time_sd_days = Decimal("2")
    order_cycle_days = 7


class SkuFactory(factory.django.DjangoModelFactory):
    """A SKU with one valid EAN-13 barcode; ``barcode="…"`` picks it, ``barcode=False`` omits it."""

    class Meta:
        model = Sku
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit_cost = Decimal("100.00")
    sale_price = Decimal("250.00")
    weight_kg = Decimal("0.500")
    volume_l = Decimal("1.000")

    @factory.post_generation
    def barcode(obj, create, extracted, **kwargs):  # noqa: N805
        if not create or extracted is False:
            return
        Barcode.objects.create(sku=obj, code=extracted or ean13(obj.pk))


class BarcodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Barcode

    sku = factory.SubFactory(SkuFactory, barcode=False)
    code = factory.Sequence(lambda n: ean13(10_000_000 + n, prefix="461"))


class SupplierItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupplierItem

    sku = factory.SubFactory(SkuFactory)
    supplier = factory.SubFactory(SupplierFactory)
    supplier_code = factory.Sequence(lambda n: f"V-{n:05d}")
    unit_cost = Decimal("80.00")
    moq = 1
    pack_size = 1
    is_primary = True


class WarehouseFactory(factory.django.DjangoModelFactory):
    """An own (FBS) warehouse; ``FboWarehouseFactory`` for a marketplace one."""

    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n:03d}")
    name = factory.Sequence(lambda n: f"Own warehouse {n}")
    kind = Warehouse.Kind.OWN
    time_zone = "Europe/Moscow"
    working_days = "12345"
    transit_days = 3


class FboWarehouseFactory(WarehouseFactory):
    code = factory.Sequence(lambda n: f"FBO{n:03d}")
    name = factory.Sequence(lambda n: f"Ozon FBO {n}")
    kind = Warehouse.Kind.FBO
    working_days = "1234567"
    transit_days = 4


class WarehouseHolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WarehouseHoliday

    warehouse = factory.SubFactory(WarehouseFactory)
    date = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=n))
    name = "Holiday"


def stock_level(
    *,
    sku: Sku | None = None,
    warehouse: Warehouse | None = None,
    on_hand: int = 0,
    reserved: int = 0,
) -> StockLevel:
    """A stock level reached through the services: an opening receipt, then a reservation."""
    sku = sku or SkuFactory()
    warehouse = warehouse or WarehouseFactory()
    if on_hand:
        services.stock_receive(
            sku=sku, warehouse=warehouse, quantity=on_hand, kind=MovementKind.OPENING
        )
    if reserved:
        services.stock_reserve(
            warehouse_id=warehouse.pk, lines=[(sku.pk, reserved)], allow_partial=False
        )
    level, _ = StockLevel.objects.get_or_create(sku=sku, warehouse=warehouse)
    return level


class StockLevelFactory(factory.Factory):
    """``StockLevelFactory(on_hand=5, reserved=2)``: built through the services, never raw."""

    class Meta:
        model = StockLevel

    sku = factory.SubFactory(SkuFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    on_hand = 0
    reserved = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return stock_level(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        return model_class(**kwargs)


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    """A draft PO without lines; add ``PurchaseOrderLineFactory`` or use ``purchase_order()``."""

    class Meta:
        model = PurchaseOrder

    number = factory.Sequence(lambda n: f"PO-{n:06d}")
    supplier = factory.SubFactory(SupplierFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    status = PurchaseOrder.Status.DRAFT


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    sku = factory.SubFactory(SkuFactory)
    quantity_ordered = 10
    unit_cost = Decimal("80.00")


def purchase_order(
    *,
    lines: list[tuple[Sku, int]] | None = None,
    supplier: Supplier | None = None,
    warehouse: Warehouse | None = None,
    sent: bool = True,
) -> PurchaseOrder:
    """A PO made by ``purchase_order_create`` (and sent, unless ``sent=False``)."""
    supplier = supplier or SupplierFactory()
    warehouse = warehouse or WarehouseFactory()
    lines = lines or [(SkuFactory(), 10)]
    po = services.purchase_order_create(
        supplier=supplier, warehouse=warehouse, lines=[(s, q, None) for s, q in lines]
    )
    if sent:
        po = services.purchase_order_send(purchase_order=po)
    return po


class TransferFactory(factory.django.DjangoModelFactory):
    """A draft transfer own → FBO without lines."""

    class Meta:
        model = Transfer

    number = factory.Sequence(lambda n: f"TR-{n:06d}")
    source = factory.SubFactory(WarehouseFactory)
    destination = factory.SubFactory(FboWarehouseFactory)


class TransferLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TransferLine

    transfer = factory.SubFactory(TransferFactory)
    sku = factory.SubFactory(SkuFactory)
    quantity = 5
