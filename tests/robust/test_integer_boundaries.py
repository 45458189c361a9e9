"""Integers at the column boundaries through every entry point (issue 14, item 2).

PostgreSQL's ``integer`` is 32 bits; bound server-side, 4,294,967,297 used to be stored as 1.
Each entry point is fed 2³¹−1, 2³¹, 2³² and −1 on whichever database the suite runs on (CI runs
it on SQLite and PostgreSQL): a value is either stored exactly or refused with a clear error,
and a refusal writes nothing. Never a wrapped number, never a 500.
"""

from __future__ import annotations

import json

import pytest
import tablib
import yaml
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from core.errors import InvalidInput
from core.models import JobRun
from fulfilment.imports import orders_import
from fulfilment.models import Order, OrderLine
from fulfilment.services import OrderLineInput, order_intake
from inventory import services
from inventory.models import StockLevel, StockMovement, Supplier, SupplierItem
from inventory.resources import SupplierItemResource
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    StaffUserFactory,
    SupplierFactory,
    SupplierItemFactory,
    ean13,
    purchase_order,
    stock_level,
)

pytestmark = pytest.mark.django_db

INT32_MAX = 2**31 - 1
BOUNDARIES = [INT32_MAX, 2**31, 2**32, -1]
OURS = ("core", "inventory", "fulfilment", "planning", "marketplaces", "demo")


def _our_integer_columns():
    for model in apps.get_models():
        if not model.__module__.startswith(OURS):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.IntegerField) and not isinstance(field, models.AutoField):
                yield model, field


def test_every_integer_column_refuses_what_postgresql_cannot_store():
    # Model validation (admin forms, model serializers, spreadsheet imports) uses the column's
    # PostgreSQL range on either database, so the embedded SQLite refuses what production would.
    checked = 0
    for _model, field in _our_integer_columns():
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        for outside in (high + 1, low - 1):
            with pytest.raises(ValidationError):
                field.run_validators(outside)
        checked += 1
    assert checked > 50, checked  # the walk really found the columns


def _schema() -> dict:
    return yaml.safe_load(
        yaml.safe_dump(SchemaGenerator().get_schema(request=None, public=True), sort_keys=False)
    )


def _body_integers(schema: dict) -> set[tuple[str, str, str]]:
    components = schema["components"]["schemas"]
    found: set[tuple[str, str, str]] = set()

    def walk(node: dict, where: str, method: str, path: str) -> None:
        if "$ref" in node:
            walk(components[node["$ref"].rsplit("/", 1)[-1]], where, method, path)
            return
        if node.get("type") == "integer":
            assert node.get("minimum") is not None and node.get("maximum") is not None, where
            assert node["maximum"] <= INT32_MAX, (where, node["maximum"])
            found.add((method, path, where))
        for name, child in node.get("properties", {}).items():
            walk(child, f"{where}.{name}", method, path)
        if "items" in node:
            walk(node["items"], f"{where}[]", method, path)
        for key in ("allOf", "oneOf", "anyOf"):
            for child in node.get(key, []):
                walk(child, where, method, path)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                walk(body["schema"], "", method.upper(), path)
    return found


# Each request-body integer of the API with the call that feeds it; the schema walk below fails
# when an endpoint gains an integer that this table does not exercise.
API_BODIES = {
    ("POST", "/api/v1/receipts/", ".quantity"),
    ("POST", "/api/v1/counts/", ".counted"),
    ("POST", "/api/v1/orders/{number}/pack-scans/", ".quantity"),
    ("POST", "/api/v1/transfers/{number}/receive/", ".lines[].quantity"),
}


def test_every_request_body_integer_is_bounded_and_exercised_here():
    assert _body_integers(_schema()) == API_BODIES


@pytest.fixture
def world(warehouse):
    sku = SkuFactory(code="MUG-1", barcode=ean13(101))
    return sku, purchase_order(lines=[(sku, 5)], warehouse=warehouse)


def _refused(response) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] and body["message"]


@pytest.mark.parametrize("value", BOUNDARIES)
def test_api_receipt_quantity(api, world, warehouse, value):
    sku, po = world
    body = {"purchase_order": po.number, "barcode": ean13(101), "quantity": value}
    _refused(api.post("/api/v1/receipts/", body, format="json"))
    assert not StockMovement.objects.exists()


@pytest.mark.parametrize("value", BOUNDARIES)
def test_api_count(api, world, warehouse, value):
    sku, _ = world
    stock_level(sku=sku, warehouse=warehouse, on_hand=3)
    response = api.post("/api/v1/counts/", {"barcode": ean13(101), "counted": value}, format="json")
    _refused(response)  # counts above 10,000,000 are a typo (the schema's bound)
    assert StockLevel.objects.get(sku=sku).on_hand == 3


@pytest.mark.parametrize("value", BOUNDARIES)
def test_api_pack_scan_quantity(api, world, warehouse, value):
    sku, _ = world
    stock_level(sku=sku, warehouse=warehouse, on_hand=3)
    order = order_intake(
        channel="ozon",
        external_number="P-1",
        warehouse=warehouse,
        scheme="fbs",
        accepted_at=_now(),
        lines=[OrderLineInput(sku, 1)],
    ).order
    response = api.post(
        f"/api/v1/orders/{order.external_number}/pack-scans/",
        {"barcode": ean13(101), "quantity": value},
        format="json",
    )
    _refused(response)
    assert OrderLine.objects.get().packed_quantity == 0


@pytest.mark.parametrize("value", BOUNDARIES)
def test_api_transfer_receive_quantity(api, world, warehouse, value):
    sku, _ = world
    stock_level(sku=sku, warehouse=warehouse, on_hand=10)
    fbo = FboWarehouseFactory(code="OZON-KZN")
    transfer = services.transfer_create(source=warehouse, destination=fbo, lines=[(sku, 4)])
    services.transfer_dispatch(transfer=transfer)
    response = api.post(
        f"/api/v1/transfers/{transfer.number}/receive/",
        {"lines": [{"barcode": ean13(101), "quantity": value}]},
        format="json",
    )
    _refused(response)
    assert not StockLevel.objects.filter(warehouse=fbo, on_hand__gt=0).exists()


def _integer_parameters(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter.get("schema", {}).get("type") == "integer":
                    yield method.upper(), path, parameter


@pytest.mark.parametrize("value", [*BOUNDARIES, 2**63, 2**64])
def test_integer_query_and_path_parameters_never_fail(value, db):
    # Every integer parameter of every GET endpoint, fed the boundaries and beyond int64: an
    # answer (200, 400, 404), JSON, never a 500 from the database.
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(StaffUserFactory())
    tried = 0
    for method, path, parameter in _integer_parameters(_schema()):
        if method != "GET":
            continue
        url = path
        for name in ("id", "pk", "number"):
            url = url.replace("{" + name + "}", str(value) if parameter["in"] == "path" else "1")
        query = {parameter["name"]: value} if parameter["in"] == "query" else {}
        response = client.get(url, query)
        assert response.status_code in (200, 400, 404), (url, query, response.status_code)
        assert response["Content-Type"].startswith("application/"), (url, query)
        tried += 1
    assert tried >= 6


def _now():
    from django.utils import timezone

    return timezone.now()


# --- files -----------------------------------------------------------------------------------


def _posting(quantity) -> dict:
    return {
        "posting_number": "P-9",
        "status": "awaiting_packaging",
        "in_process_at": "2026-03-02T07:00:00Z",
        "warehouse": "MSK1",
        "products": [{"offer_id": "MUG-1", "quantity": quantity, "price": "10.00"}],
    }


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("value", BOUNDARIES)
def test_order_import_quantity(world, warehouse, fmt, value):
    if fmt == "json":
        content = json.dumps({"postings": [_posting(value)]})
    else:
        content = (
            "posting_number,status,in_process_at,warehouse,offer_id,quantity,price\n"
            f"P-9,awaiting_packaging,2026-03-02T07:00:00Z,MSK1,MUG-1,{value},10.00\n"
        )
    report = orders_import(content=content, fmt=fmt)
    if value == INT32_MAX:
        assert report.created == 1
        assert OrderLine.objects.get().quantity == INT32_MAX  # exactly, not wrapped
    else:
        assert report.status == "failed" and report.errors[0].code == "bad_quantity"
        assert not Order.objects.exists()


@pytest.mark.parametrize("value", BOUNDARIES)
def test_sales_import_quantity(value):
    import io

    from planning.models import DemandHistory
    from planning.sales_import import sales_import
    from planning.sales_parse import ImportOptions

    SkuFactory(code="A1", barcode=False)
    text = (
        "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice\n"
        f"1,A1,Apple,{value},2024-03-01 09:00,1.0\n"
    )
    report = sales_import(
        file=io.BytesIO(text.encode()),
        file_name="sales.csv",
        options=ImportOptions(date_format="%Y-%m-%d %H:%M"),
    )
    if value == INT32_MAX:
        assert DemandHistory.objects.get().units == INT32_MAX
    elif value == -1:  # a negative quantity is a return, as in the shops' own exports
        assert report.status == "done"
        assert not DemandHistory.objects.filter(units__gt=0).exists()
    else:
        assert report.status == "failed"
        assert not DemandHistory.objects.exists()


@pytest.mark.parametrize("value", BOUNDARIES)
def test_spreadsheet_import_of_supplier_items(value):
    item = SupplierItemFactory(moq=1, pack_size=1)
    dataset = tablib.Dataset(
        [item.sku.code, item.supplier.code, str(value), str(value)],
        headers=["sku", "supplier", "moq", "pack_size"],
    )
    result = SupplierItemResource().import_data(
        dataset, dry_run=False, use_transactions=True, rollback_on_validation_errors=True
    )
    item.refresh_from_db()
    if value == INT32_MAX:
        assert not result.has_validation_errors()
        assert (item.moq, item.pack_size) == (INT32_MAX, INT32_MAX)
    else:
        assert result.has_validation_errors()
        assert (item.moq, item.pack_size) == (1, 1)


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", BOUNDARIES)
def test_admin_form_integer(client, value):
    # Supplier.order_cycle_days is a smallint (≤ 32,767): every boundary here is refused on
    # the field, with the form shown again and the supplier unchanged.
    client.force_login(StaffUserFactory())
    supplier = SupplierFactory(order_cycle_days=7)
    url = reverse("admin:inventory_supplier_change", args=[supplier.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data["order_cycle_days"] = str(value)
    response = client.post(url, data)
    assert response.status_code == 200
    assert "order_cycle_days" in response.context["adminform"].form.errors
    assert Supplier.objects.get(pk=supplier.pk).order_cycle_days == 7


def test_admin_supplier_item_at_the_largest_value_is_stored_exactly(client):
    client.force_login(StaffUserFactory())
    item = SupplierItemFactory(moq=1, pack_size=1)
    url = reverse("admin:inventory_supplieritem_change", args=[item.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for value, stored in ((2**31, 1), (INT32_MAX, INT32_MAX)):
        data["moq"] = str(value)
        client.post(url, data)
        assert SupplierItem.objects.get(pk=item.pk).moq == stored


# --- the services every entry point goes through ---------------------------------------------


def test_stock_never_grows_past_what_the_column_holds(warehouse):
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=1)
    movements = StockMovement.objects.count()
    with pytest.raises(InvalidInput) as refused:
        services.stock_receive(sku=sku, warehouse=warehouse, quantity=INT32_MAX)
    assert refused.value.code == "quantity_out_of_range"
    assert StockLevel.objects.get(sku=sku).on_hand == 1
    assert StockMovement.objects.count() == movements
    with pytest.raises(InvalidInput):
        services.stock_count(sku=sku, warehouse=warehouse, counted=2**31)
    with pytest.raises(InvalidInput):
        services.stock_opening_balances(warehouse=warehouse, lines=[(sku.pk, 2**31)])


def test_an_order_whose_lines_add_up_past_the_column_is_refused(warehouse):
    sku = SkuFactory()
    with pytest.raises(InvalidInput) as refused:
        order_intake(
            channel="ozon",
            external_number="P-2",
            warehouse=warehouse,
            scheme="fbs",
            accepted_at=_now(),
            lines=[OrderLineInput(sku, INT32_MAX), OrderLineInput(sku, 1)],
        )
    assert refused.value.code == "quantity_out_of_range"
    assert not Order.objects.exists()


def test_a_large_spreadsheet_import_runs_as_a_job_all_or_nothing(
    client, settings, django_capture_on_commit_callbacks
):
    # A file over the inline limit is imported by a job; one bad row imports nothing.
    settings.ZAPAS = {
        **settings.ZAPAS,
        "UPLOADS": {**settings.ZAPAS["UPLOADS"], "INLINE_IMPORT_BYTES": 10},
    }
    client.force_login(StaffUserFactory())
    item = SupplierItemFactory(moq=1)
    good = SupplierItemFactory(moq=1)
    rows = (
        "sku,supplier,moq\n"
        f"{good.sku.code},{good.supplier.code},12\n"
        f"{item.sku.code},{item.supplier.code},{2**31}\n"
    )
    upload = SimpleUploadedFile("items.csv", rows.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:inventory_supplieritem_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )
    run = JobRun.objects.get(job="spreadsheet_import")
    assert response.status_code == 302 and response.url.endswith(f"/{run.pk}/change/")
    assert run.status == JobRun.Status.DONE
    assert run.result["status"] == "failed" and run.result["problems"] == 1
    assert "row 2: moq:" in run.result["report"]
    assert SupplierItem.objects.get(pk=good.pk).moq == 1  # rolled back with the bad row
    # the same file without the bad row is imported
    upload = SimpleUploadedFile("items.csv", rows.rsplit("\n", 2)[0].encode() + b"\n")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:inventory_supplieritem_import"),
            {"import_file": upload, "format": "0", "resource": "0"},
        )
    assert SupplierItem.objects.get(pk=good.pk).moq == 12
    assert JobRun.objects.filter(job="spreadsheet_import", result__status="done").count() == 1
