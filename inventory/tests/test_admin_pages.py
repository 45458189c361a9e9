"""Admin pages: 200 for a staff user with 200+ rows each, and a bounded number of queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import transaction
from django.urls import reverse

from inventory.models import (
    Barcode,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    StockLevel,
    StockMovement,
    Supplier,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
    WarehouseHoliday,
)
from inventory.tests.factories import (
    StockLevelFactory,
    ean13,
)

pytestmark = pytest.mark.django_db
ROWS = 201
MAX_CHANGELIST_QUERIES = 10  # measured 5–9: session, user, counts, rows, filter choices


@pytest.fixture(scope="module")
def catalogue(django_db_setup, django_db_blocker):
    """ROWS of every inventory model, bulk-created once for this module's read-only tests.

    Committed outside the per-test transactions (each test still rolls back its own writes)
    and deleted again when the module is done. Stock rows are balanced by their ledger.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        data = _build_catalogue()
    yield data
    with django_db_blocker.unblock(), transaction.atomic():
        for model in (
            TransferLine,
            Transfer,
            PurchaseOrderLine,
            PurchaseOrder,
            StockMovement,
            StockLevel,
            WarehouseHoliday,
            SupplierItem,
            Barcode,
            Sku,
            Warehouse,
            Supplier,
        ):
            model.objects.all().delete()  # a queryset delete: the ledger's delete() guard is per row


def _build_catalogue() -> dict:
    suppliers = Supplier.objects.bulk_create(
        Supplier(code=f"S{i:03d}", name=f"Supplier {i}", lead_time_mean_days=Decimal(7))
        for i in range(ROWS)
    )
    skus = Sku.objects.bulk_create(Sku(code=f"K{i:03d}", name=f"Item {i}") for i in range(ROWS))
    Barcode.objects.bulk_create(
        Barcode(sku=sku, code=ean13(i), symbology="ean13") for i, sku in enumerate(skus)
    )
    SupplierItem.objects.bulk_create(
        SupplierItem(sku=sku, supplier=suppliers[i], is_primary=True) for i, sku in enumerate(skus)
    )
    own = Warehouse.objects.bulk_create(
        Warehouse(code=f"W{i:03d}", name=f"Warehouse {i}") for i in range(ROWS)
    )
    fbo = Warehouse.objects.create(code="FBO", name="Ozon", kind=Warehouse.Kind.FBO)
    WarehouseHoliday.objects.bulk_create(
        WarehouseHoliday(warehouse=own[0], date=date(2026, 1, 1) + timedelta(days=i))
        for i in range(ROWS)
    )
    # SKU i has 1 + i % 7 units on hand at the first warehouse, i % 2 of them reserved.
    StockLevel.objects.bulk_create(
        StockLevel(sku=sku, warehouse=own[0], on_hand=1 + i % 7, reserved=i % 2)
        for i, sku in enumerate(skus)
    )
    StockMovement.objects.bulk_create(
        StockMovement(
            sku=sku,
            warehouse=own[0],
            kind=MovementKind.OPENING,
            quantity=1 + i % 7,
            on_hand_after=1 + i % 7,
        )
        for i, sku in enumerate(skus)
    )
    pos = PurchaseOrder.objects.bulk_create(
        PurchaseOrder(number=f"PO-{i:04d}", supplier=suppliers[i], warehouse=own[0])
        for i in range(ROWS)
    )
    PurchaseOrderLine.objects.bulk_create(
        PurchaseOrderLine(purchase_order=po, sku=skus[i], quantity_ordered=5)
        for i, po in enumerate(pos)
    )
    transfers = Transfer.objects.bulk_create(
        Transfer(number=f"TR-{i:04d}", source=own[i], destination=fbo) for i in range(ROWS)
    )
    TransferLine.objects.bulk_create(
        TransferLine(transfer=t, sku=skus[i], quantity=2) for i, t in enumerate(transfers)
    )
    return {"skus": skus, "warehouses": own, "pos": pos, "transfers": transfers}


MODELS = [
    Supplier,
    Sku,
    Barcode,
    SupplierItem,
    Warehouse,
    WarehouseHoliday,
    StockLevel,
    StockMovement,
    PurchaseOrder,
    Transfer,
]


def url(model, view, *args):
    return reverse(f"admin:inventory_{model._meta.model_name}_{view}", args=args)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_has_a_bounded_query_count(
    staff_client, catalogue, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(MAX_CHANGELIST_QUERIES):
        response = staff_client.get(url(model, "changelist"))

    assert response.status_code == 200
    assert response.context["cl"].result_count >= ROWS


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_change_and_add_pages_open(staff_client, catalogue, model, django_assert_max_num_queries):
    obj = model.objects.order_by("-pk").first()

    with django_assert_max_num_queries(MAX_CHANGELIST_QUERIES + 6):
        change = staff_client.get(url(model, "change", obj.pk))
    add = staff_client.get(url(model, "add"))

    assert change.status_code == 200
    assert add.status_code == (403 if model is StockMovement else 200)


@pytest.mark.parametrize(
    ("model", "query"),
    [
        (Sku, ean13(5)),
        (Sku, "K005"),
        (Supplier, "S005"),
        (Barcode, ean13(5)),
        (SupplierItem, "K005"),
        (StockLevel, ean13(5)),
        (StockMovement, "K005"),
        (PurchaseOrder, "K005"),
        (Transfer, "K005"),
        (Warehouse, "W005"),
    ],
)
def test_search_by_code_name_or_barcode(staff_client, catalogue, model, query):
    response = staff_client.get(url(model, "changelist"), {"q": query})

    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_sku_changelist_shows_stock_totals(staff_client, catalogue):
    StockLevelFactory(
        sku=catalogue["skus"][5], warehouse=catalogue["warehouses"][1], on_hand=4, reserved=3
    )

    response = staff_client.get(url(Sku, "changelist"), {"q": "K005"})

    [sku] = response.context["cl"].result_list
    assert (sku.total_on_hand, sku.total_reserved, sku.total_available) == (6 + 4, 1 + 3, 6)
