"""Import/export of suppliers, SKUs (barcodes as a ;-separated column) and supplier items."""

from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import Barcode, Sku, Supplier, SupplierItem
from inventory.resources import SkuResource, SupplierItemResource, SupplierResource
from inventory.tests.factories import SkuFactory, SupplierFactory, SupplierItemFactory

pytestmark = pytest.mark.django_db

SKU_HEADERS = ["code", "name", "barcodes", "unit_cost", "sale_price"]


def sku_rows(*rows) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=SKU_HEADERS)


def row_errors(result) -> dict[int, dict[str, list[str]]]:
    """Row number → field → messages, for rows that failed validation."""
    return {row.number: row.error_dict for row in result.invalid_rows}


def test_sku_import_creates_skus_with_their_barcodes():
    dataset = sku_rows(
        ["TEA-1", "Green tea", "4006381333931; OZN-77", "120.00", "300.00"],
        ["TEA-2", "Black tea", "", "100.00", "250.00"],
    )

    result = SkuResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert list(Sku.objects.values_list("code", "unit_cost")) == [
        ("TEA-1", Decimal("120.00")),
        ("TEA-2", Decimal("100.00")),
    ]
    assert list(Barcode.objects.values_list("code", "symbology", "sku__code")) == [
        ("4006381333931", "ean13", "TEA-1"),
        ("OZN-77", "other", "TEA-1"),
    ]


def test_sku_reimport_replaces_the_barcodes():
    sku = SkuFactory(code="TEA-1", barcode="4006381333931")

    SkuResource().import_data(sku_rows(["TEA-1", "Green tea", "96385074", "1", "2"]), dry_run=False)

    assert list(sku.barcodes.values_list("code", flat=True)) == ["96385074"]
    assert Sku.objects.get().name == "Green tea"


def test_sku_import_reports_bad_rows_and_saves_nothing():
    SkuFactory(code="OWNER", barcode="5901234123457")
    dataset = sku_rows(
        ["TEA-1", "Good", "4006381333931", "1", "2"],
        ["TEA-2", "Bad digit", "4006381333932", "1", "2"],
        ["TEA-3", "Taken", "5901234123457", "1", "2"],
        ["TEA-4", "Bad price", "", "cheap", "2"],
    )

    result = SkuResource().import_data(dataset, dry_run=True)

    assert result.has_validation_errors()
    errors = row_errors(result)
    assert sorted(errors) == [2, 3, 4]
    assert errors[2] == {"barcodes": ["Barcode 4006381333932 has check digit 2, expected 1."]}
    assert errors[3] == {"barcodes": ["Barcode 5901234123457 already belongs to SKU OWNER."]}
    assert errors[4] == {"unit_cost": ["'cheap' is not a number."]}
    assert list(Sku.objects.values_list("code", flat=True)) == ["OWNER"]


def test_sku_export_joins_barcodes(django_assert_max_num_queries):
    for i in range(20):
        SkuFactory(code=f"K{i:02d}")
    Barcode.objects.create(sku=Sku.objects.get(code="K00"), code="FREE-1")

    with django_assert_max_num_queries(3):
        dataset = SkuResource().export()

    first = dict(zip(dataset.headers, dataset[0], strict=True))
    assert first["code"] == "K00"
    assert first["barcodes"].split(";") == list(
        Barcode.objects.filter(sku__code="K00").order_by("code").values_list("code", flat=True)
    )
    assert len(dataset) == 20


def test_supplier_import_matches_on_code():
    SupplierFactory(code="ACME", name="Old name")
    dataset = tablib.Dataset(
        ["ACME", "Acme Ltd", "12.5", "3"],
        ["BOLT", "Bolt", "7", "1"],
        headers=["code", "name", "lead_time_mean_days", "lead_time_sd_days"],
    )

    result = SupplierResource().import_data(dataset, dry_run=False)

    assert not result.has_errors() and not result.has_validation_errors()
    assert list(Supplier.objects.values_list("code", "name", "lead_time_mean_days")) == [
        ("ACME", "Acme Ltd", Decimal("12.50")),
        ("BOLT", "Bolt", Decimal("7.00")),
    ]


def test_supplier_item_import_checks_codes_and_the_primary_supplier():
    sku, other_sku = SkuFactory(code="TEA-1"), SkuFactory(code="TEA-2")
    acme, bolt = SupplierFactory(code="ACME"), SupplierFactory(code="BOLT")
    SupplierItemFactory(sku=other_sku, supplier=bolt, is_primary=True)
    dataset = tablib.Dataset(
        ["TEA-1", "ACME", "A-1", "55.00", "12", "1"],
        ["TEA-1", "NOPE", "N-1", "50.00", "12", "0"],
        ["TEA-2", "ACME", "A-2", "50.00", "6", "1"],
        ["GONE", "ACME", "A-3", "50.00", "6", "0"],
        headers=["sku", "supplier", "supplier_code", "unit_cost", "pack_size", "is_primary"],
    )

    dry = SupplierItemResource().import_data(dataset, dry_run=True)

    errors = row_errors(dry)
    assert not dry.has_errors()
    assert errors == {
        2: {"supplier": ["Unknown supplier code 'NOPE'."]},
        3: {"is_primary": ["SKU TEA-2 already has primary supplier BOLT."]},
        4: {"sku": ["Unknown SKU code 'GONE'."]},
    }
    assert SupplierItem.objects.count() == 1

    SupplierItemResource().import_data(tablib.Dataset(dataset[0], headers=dataset.headers))
    item = SupplierItem.objects.get(sku=sku)
    assert (item.supplier, item.pack_size, item.is_primary) == (acme, 12, True)


# --- through the admin ------------------------------------------------------------------------


def _csv_choice(form) -> str:
    return next(value for value, label in form.fields["format"].choices if label.lower() == "csv")


def test_admin_import_previews_errors_then_imports(staff_client):
    import_url = reverse("admin:inventory_sku_import")
    form = staff_client.get(import_url).context["form"]
    bad = "code,name,barcodes\nTEA-1,Tea,4006381333931\nTEA-2,Tea,4006381333932\n"

    preview = staff_client.post(
        import_url,
        {
            "format": _csv_choice(form),
            "resource": "0",
            "import_file": SimpleUploadedFile("skus.csv", bad.encode()),
        },
    )

    assert preview.status_code == 200
    assert preview.context["result"].has_validation_errors()
    assert "expected 1" in preview.content.decode()
    assert not Sku.objects.exists()

    good = "code,name,barcodes\nTEA-1,Tea,4006381333931;96385074\n"
    preview = staff_client.post(
        import_url,
        {
            "format": _csv_choice(form),
            "resource": "0",
            "import_file": SimpleUploadedFile("skus.csv", good.encode()),
        },
    )
    confirm = preview.context["confirm_form"]
    response = staff_client.post(reverse("admin:inventory_sku_process_import"), confirm.initial)

    assert response.status_code == 302
    assert list(Barcode.objects.values_list("code", flat=True)) == ["4006381333931", "96385074"]


@pytest.mark.parametrize("model", ["sku", "supplier", "supplieritem"])
def test_admin_import_and_export_pages_open(staff_client, model):
    assert staff_client.get(reverse(f"admin:inventory_{model}_import")).status_code == 200
    assert staff_client.get(reverse(f"admin:inventory_{model}_export")).status_code == 200
    changelist = staff_client.get(reverse(f"admin:inventory_{model}_changelist")).content.decode()
    assert "Import" in changelist and "Export" in changelist
