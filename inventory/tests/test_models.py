"""Database constraints hold even when the services are bypassed."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from inventory.models import Barcode, StockLevel, StockMovement, TransferLine
from inventory.tests.factories import (
    BarcodeFactory,
    SkuFactory,
    StockLevelFactory,
    SupplierFactory,
    SupplierItemFactory,
    TransferFactory,
    WarehouseFactory,
    ean13,
)

pytestmark = pytest.mark.django_db


def test_on_hand_cannot_be_negative(sku, warehouse):
    with pytest.raises(IntegrityError):
        StockLevel.objects.create(sku=sku, warehouse=warehouse, on_hand=-1)


def test_reserved_cannot_exceed_on_hand(sku, warehouse):
    with pytest.raises(IntegrityError):
        StockLevel.objects.create(sku=sku, warehouse=warehouse, on_hand=2, reserved=3)


def test_reserved_cannot_be_negative(sku, warehouse):
    with pytest.raises(IntegrityError):
        StockLevel.objects.create(sku=sku, warehouse=warehouse, on_hand=2, reserved=-1)


def test_one_stock_level_per_sku_and_warehouse(sku, warehouse):
    StockLevel.objects.create(sku=sku, warehouse=warehouse)

    with pytest.raises(IntegrityError):
        StockLevel.objects.create(sku=sku, warehouse=warehouse)


def test_a_sku_has_at_most_one_primary_supplier(sku):
    SupplierItemFactory(sku=sku, supplier=SupplierFactory(), is_primary=True)

    with pytest.raises(IntegrityError):
        SupplierItemFactory(sku=sku, supplier=SupplierFactory(), is_primary=True)


def test_several_secondary_suppliers_are_fine(sku):
    SupplierItemFactory(sku=sku, is_primary=True)
    SupplierItemFactory(sku=sku, is_primary=False)
    SupplierItemFactory(sku=sku, is_primary=False)

    assert sku.supplier_items.count() == 3


def test_a_barcode_belongs_to_one_sku():
    code = ean13(4242)
    SkuFactory(barcode=code)

    with pytest.raises(IntegrityError):
        BarcodeFactory(code=code)


def test_barcode_symbology_is_detected_on_save(sku):
    barcode = Barcode.objects.create(sku=sku, code="96385074")

    assert barcode.symbology == "ean8"


def test_barcode_with_wrong_check_digit_is_refused_on_save(sku):
    with pytest.raises(ValidationError):
        Barcode.objects.create(sku=sku, code="4600000000010")


def test_barcode_clean_reports_on_the_code_field(sku):
    barcode = Barcode(sku=sku, code=" 4600000000010 ")

    with pytest.raises(ValidationError) as exc:
        barcode.full_clean()

    assert list(exc.value.message_dict) == ["code"]
    assert barcode.code == "4600000000010"


def test_movement_quantity_sign_must_match_kind(sku, warehouse):
    with pytest.raises(IntegrityError):
        StockMovement.objects.create(
            sku=sku, warehouse=warehouse, kind="shipment", quantity=3, on_hand_after=3
        )


def test_movements_are_append_only(sku, warehouse):
    level = StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=4)
    movement = StockMovement.objects.get(sku=sku, warehouse=warehouse)

    with pytest.raises(ValidationError):
        movement.save()
    with pytest.raises(ValidationError):
        movement.delete()
    assert level.on_hand == 4


def test_transfer_needs_two_warehouses():
    warehouse = WarehouseFactory()

    with pytest.raises(IntegrityError):
        TransferFactory(source=warehouse, destination=warehouse)


def test_transfer_line_quantity_is_positive(sku):
    with pytest.raises(IntegrityError):
        TransferLine.objects.create(transfer=TransferFactory(), sku=sku, quantity=0)


def test_available_is_on_hand_minus_reserved(sku, warehouse):
    StockLevelFactory(sku=sku, warehouse=warehouse, on_hand=7, reserved=3)

    level = StockLevel.objects.with_available().get(sku=sku, warehouse=warehouse)

    assert (level.available, level.available_qty) == (4, 4)
