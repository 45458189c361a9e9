"""The demo catalogue: reproducible, realistic in shape, and consistent with the stock ledger."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from core.barcodes import EAN13, validate_barcode
from demo import catalogue as demo
from inventory.models import (
    Barcode,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderLine,
    Sku,
    SkuSubstitute,
    StockLevel,
    StockMovement,
    Supplier,
    SupplierItem,
    Transfer,
    TransferLine,
    Warehouse,
    WarehouseHoliday,
)
from planning.models import DemandHistory

TODAY = date(2026, 3, 10)
# The fulfilment app's demo orders are its own business (and tests); keep them out here.
SMALL = {"skus": 30, "days": 120, "today": TODAY, "orders": False}


def _fingerprint() -> dict:
    """Figures that must match exactly between two runs with the same seed."""
    return {
        "skus": list(Sku.objects.order_by("code").values_list("code", "name", "sale_price")),
        "demand": list(
            DemandHistory.objects.order_by("sku__code", "date").values_list(
                "sku__code", "date", "units", "lost_units", "revenue"
            )
        ),
        "stock": list(
            StockLevel.objects.order_by("sku__code", "warehouse__code").values_list(
                "sku__code", "warehouse__code", "on_hand"
            )
        ),
        "lines": list(
            PurchaseOrderLine.objects.order_by("sku__code", "purchase_order__number").values_list(
                "sku__code", "quantity_ordered", "quantity_received"
            )
        ),
        "barcodes": sorted(Barcode.objects.values_list("code", flat=True)),
    }


# --- the generator, without a database ---------------------------------------------------------


def _classes(cls: int, n: int) -> dict:
    return {
        "demand_class": np.full(n, cls),
        "category": np.arange(n) % len(demo.CATEGORIES),
        "launch_day": np.zeros(n, dtype=np.int64),
        "start": date(2024, 1, 1),
        "days": 365,
    }


def test_generate_demand_is_deterministic_for_a_seed():
    # given the same seed twice and another seed
    kwargs = _classes(demo.SMOOTH, 50)
    # when
    first = demo.generate_demand(np.random.default_rng(7), **kwargs)
    again = demo.generate_demand(np.random.default_rng(7), **kwargs)
    other = demo.generate_demand(np.random.default_rng(8), **kwargs)
    # then
    assert np.array_equal(first.units, again.units)
    assert np.array_equal(first.lost, again.lost)
    assert not np.array_equal(first.units, other.units)


def test_intermittent_demand_is_mostly_zero_days_and_smooth_is_not():
    # given 200 intermittent and 200 smooth SKUs over a year
    rng = np.random.default_rng(1)
    intermittent = demo.generate_demand(rng, **_classes(demo.INTERMITTENT, 200))
    smooth = demo.generate_demand(rng, **_classes(demo.SMOOTH, 200))
    # when
    zero_share_intermittent = (intermittent.units == 0).mean(axis=1)
    zero_share_smooth = ((smooth.units == 0) & ~smooth.stocked_out).mean(axis=1)
    # then every intermittent SKU has > 50 % zero days; the typical smooth one sells most days
    assert zero_share_intermittent.min() > 0.5
    assert np.median(zero_share_smooth) < 0.1
    assert (intermittent.units >= 0).all() and (smooth.units >= 0).all()


def test_promo_skus_have_spikes_and_weekly_skus_a_weekly_profile():
    # given
    rng = np.random.default_rng(3)
    promo = demo.generate_demand(rng, **_classes(demo.PROMO, 100))
    weekly = demo.generate_demand(rng, **_classes(demo.WEEKLY, 100))
    # when: the peak day against the median day; Saturday against Tuesday (2024-01-01 = Monday)
    peak_ratio = promo.units.max(axis=1) / np.maximum(np.median(promo.units, axis=1), 1)
    saturday = weekly.units[:, 5::7].sum()
    tuesday = weekly.units[:, 1::7].sum()
    # then
    assert np.median(peak_ratio) > 3
    assert promo.on_promo.any()
    assert saturday > 1.3 * tuesday


def test_gtin13_adds_the_gs1_check_digit():
    assert demo.gtin13("460123456789") == "4601234567893"
    assert demo.gtin13("400638133393") == "4006381333931"


# --- the seeded database -----------------------------------------------------------------------


@pytest.mark.django_db
def test_same_seed_gives_the_same_catalogue_and_another_seed_a_different_one():
    # given a catalogue seeded with 42
    first = demo.seed_demo(seed=42, **SMALL)
    fingerprint = _fingerprint()
    # when it is rebuilt with the same seed, then with another
    again = demo.seed_demo(seed=42, flush=True, **SMALL)
    same = _fingerprint()
    demo.seed_demo(seed=43, flush=True, **SMALL)
    other = _fingerprint()
    # then
    assert same == fingerprint
    assert (again.demand_rows, again.demand_units, again.stock_units) == (
        first.demand_rows,
        first.demand_units,
        first.stock_units,
    )
    assert other["demand"] != fingerprint["demand"]
    assert other["skus"] != fingerprint["skus"]


@pytest.mark.django_db
def test_catalogue_shape():
    # when
    result = demo.seed_demo(seed=42, **SMALL)
    # then: reference data
    assert result.skus == Sku.objects.count() == 30
    assert set(Warehouse.objects.values_list("code", "kind")) == {
        ("MSK-1", "own"),
        ("EKB-1", "own"),
        ("OZON-KHORUGVINO", "fbo"),
        ("OZON-TVER", "fbo"),
        ("OZON-KAZAN", "fbo"),
    }
    assert Warehouse.objects.get(code="EKB-1").time_zone == "Asia/Yekaterinburg"
    msk = Warehouse.objects.get(code="MSK-1")
    assert msk.holidays.filter(date=date(2026, 6, 12)).exists()
    assert msk.holidays.filter(date=date(2027, 1, 1)).exists()
    assert WarehouseHoliday.objects.count() == 2 * 2 * 14  # 2 own warehouses × 2 years × 14 days
    assert Supplier.objects.count() == 12
    leads = [float(s.lead_time_mean_days) for s in Supplier.objects.all()]
    assert sum(3 <= x <= 10 for x in leads) == 6 and sum(25 <= x <= 60 for x in leads) == 6
    # demand: source demo, ends yesterday, only non-zero or stock-out days
    assert DemandHistory.objects.exclude(source="demo").count() == 0
    last = DemandHistory.objects.order_by("-date").values_list("date", flat=True).first()
    first = DemandHistory.objects.order_by("date").values_list("date", flat=True).first()
    assert last == TODAY - timedelta(days=1)
    assert first >= TODAY - timedelta(days=120)
    assert DemandHistory.objects.filter(units=0, stocked_out=False).count() == 0
    assert DemandHistory.objects.count() == result.demand_rows
    assert Sku.objects.filter(sale_price__lte=0).count() == 0
    assert Sku.objects.filter(unit_cost__gte=F("sale_price")).count() == 0


@pytest.mark.django_db
def test_demand_classes_are_mixed():
    # given
    demo.seed_demo(seed=42, skus=60, days=120, today=TODAY, orders=False)
    # when: the share of the 120 days with sales, per SKU
    selling_days = Counter(
        dict(
            DemandHistory.objects.filter(units__gt=0)
            .values("sku_id")
            .annotate(n=Count("id"))
            .values_list("sku_id", "n")
        )
    )
    shares = [selling_days.get(pk, 0) / 120 for pk in Sku.objects.values_list("pk", flat=True)]
    # then: intermittent SKUs (sales on < half the days) and smooth ones (nearly every day)
    assert sum(share < 0.5 for share in shares) >= 5
    assert sum(share > 0.9 for share in shares) >= 5


@pytest.mark.django_db
def test_on_hand_equals_the_ledger():
    # when
    result = demo.seed_demo(seed=42, **SMALL)
    # then: every level is the sum of its movements and the last running balance
    sums = {
        (row["sku_id"], row["warehouse_id"]): row["total"]
        for row in StockMovement.objects.values("sku_id", "warehouse_id").annotate(
            total=Sum("quantity")
        )
    }
    levels = {(lv.sku_id, lv.warehouse_id): lv.on_hand for lv in StockLevel.objects.all()}
    assert levels == sums
    for (sku_id, warehouse_id), on_hand in levels.items():
        last = StockMovement.objects.filter(sku_id=sku_id, warehouse_id=warehouse_id).first()
        assert last.on_hand_after == on_hand
    assert result.stock_units == sum(levels.values()) > 0
    assert StockLevel.objects.filter(reserved__gt=0).count() == 0
    if "check_stock" in get_commands():  # the inventory app's audit (raises on drift)
        out = io.StringIO()
        call_command("check_stock", stdout=out)
        assert "Stock matches the ledger." in out.getvalue()


@pytest.mark.django_db
def test_barcodes_are_valid_unique_ean13():
    # when
    demo.seed_demo(seed=42, **SMALL)
    # then
    codes = list(Barcode.objects.values_list("code", "symbology"))
    assert len(codes) >= 30
    assert len({code for code, _ in codes}) == len(codes)
    for code, symbology in codes:
        assert symbology == EAN13
        assert validate_barcode(code) == EAN13
    assert Sku.objects.annotate(n=Count("barcodes")).filter(n=0).count() == 0


def test_demo_substitutes_stay_in_the_category_in_another_colour_same_brand_first():
    # given: SKUs 0, 1, 3, 4 share category 0; 1 has 0's colour; 2 is alone in category 1
    category = np.array([0, 0, 1, 0, 0])
    brand = np.array([5, 5, 5, 6, 5])
    colour = np.array([2, 2, 7, 4, 3])
    # when
    rows = demo.seed.demo_substitutes(category, brand, colour)
    # then: another colour only, the same brand first, then in SKU order wrapping round
    assert rows == [
        (0, 4, 1, "colour"), (0, 3, 2, "other"),
        (1, 4, 1, "colour"), (1, 3, 2, "other"),
        (3, 4, 1, "other"), (3, 0, 2, "other"),
        (4, 0, 1, "colour"), (4, 1, 2, "colour"),
    ]  # fmt: skip


@pytest.mark.django_db
def test_demo_skus_name_substitutes_so_the_short_order_page_has_something_to_save():
    # when
    result = demo.seed_demo(seed=42, **SMALL)
    # then
    substitutes = SkuSubstitute.objects.select_related("sku", "substitute")
    assert result.substitutes == substitutes.count() > 0
    for row in substitutes:
        assert row.substitute_id != row.sku_id
        same_brand = (
            row.sku.name.rsplit(", ", 2)[0].split()[-2]
            == row.substitute.name.rsplit(", ", 2)[0].split()[-2]
        )
        assert row.kind == (SkuSubstitute.Kind.COLOUR if same_brand else SkuSubstitute.Kind.OTHER)
        assert row.sku.code.rsplit("-", 1)[0] == row.substitute.code.rsplit("-", 1)[0]
        assert row.sku.name.rsplit(", ", 1)[1] != row.substitute.name.rsplit(", ", 1)[1]


@pytest.mark.django_db
def test_every_sku_has_exactly_one_primary_supplier():
    # when
    demo.seed_demo(seed=42, **SMALL)
    # then
    primaries = Sku.objects.annotate(
        n=Count("supplier_items", filter=Q(supplier_items__is_primary=True))
    )
    assert sorted({sku.n for sku in primaries}) == [1]
    assert SupplierItem.objects.filter(moq__lt=1).count() == 0
    packs = set(SupplierItem.objects.values_list("pack_size", flat=True))
    assert packs <= {1, 6, 12, 24, 48}
    assert all(
        item.moq % item.pack_size == 0 for item in SupplierItem.objects.filter(is_primary=True)
    )


@pytest.mark.django_db
def test_open_documents_match_the_ledger():
    # when
    demo.seed_demo(seed=42, skus=200, days=60, today=TODAY, orders=False)
    # then: the current POs are open, the year's history is received; what was received on
    # every PO is in the ledger as receipts, never before the order was placed
    current = PurchaseOrder.objects.filter(notes="Demo data")
    statuses = set(current.values_list("status", flat=True))
    assert statuses == {PurchaseOrder.Status.SENT, PurchaseOrder.Status.PARTIALLY_RECEIVED}
    past = PurchaseOrder.objects.exclude(pk__in=current)
    assert set(past.values_list("status", flat=True)) == {PurchaseOrder.Status.RECEIVED}
    for po in PurchaseOrder.objects.prefetch_related("lines"):
        received = sum(line.quantity_received for line in po.lines.all())
        booked = StockMovement.objects.filter(
            document_ref=po.number, kind=MovementKind.RECEIPT, warehouse=po.warehouse
        ).aggregate(total=Sum("quantity"))["total"]
        assert (booked or 0) == received
        assert po.expected_arrival > po.order_date
        first = StockMovement.objects.filter(document_ref=po.number).order_by("created_at").first()
        assert first is None or timezone.localdate(first.created_at) > po.order_date
    # transfers are in transit, and their dispatch left the source warehouse
    assert Transfer.objects.count() == 2
    for transfer in Transfer.objects.all():
        assert transfer.status == Transfer.Status.IN_TRANSIT
        assert transfer.destination.is_fbo
        dispatched = TransferLine.objects.filter(transfer=transfer).aggregate(
            total=Sum("quantity_dispatched")
        )["total"]
        out = StockMovement.objects.filter(
            document_ref=transfer.number, kind=MovementKind.TRANSFER_OUT
        ).aggregate(total=Sum("quantity"))["total"]
        assert dispatched > 0 and out == -dispatched


@pytest.mark.django_db
def test_some_skus_are_close_to_running_out():
    # given
    demo.seed_demo(seed=42, skus=200, days=60, today=TODAY, orders=False)
    since = TODAY - timedelta(days=28)
    daily = {
        sku_id: units / 28
        for sku_id, units in DemandHistory.objects.filter(date__gte=since)
        .values("sku_id")
        .annotate(units=Sum("units"))
        .values_list("sku_id", "units")
    }
    on_hand = dict(
        StockLevel.objects.values("sku_id")
        .annotate(total=Sum("on_hand"))
        .values_list("sku_id", "total")
    )
    # when: days of cover of SKUs that sell at least one unit every two days
    cover = [on_hand.get(sku_id, 0) / rate for sku_id, rate in daily.items() if rate >= 0.5]
    # then: some are within a week of a stock-out, most are not
    assert sum(days < 7 for days in cover) >= 5
    assert sum(days >= 14 for days in cover) > len(cover) / 2


@pytest.mark.django_db
def test_seed_demo_refuses_a_non_empty_catalogue_without_flush():
    # given
    demo.seed_demo(seed=1, **SMALL)
    # when / then
    with pytest.raises(CommandError, match="already has 30 SKUs; use --flush"):
        call_command("seed_demo", skus=10, days=60, stdout=io.StringIO())
    assert Sku.objects.count() == 30


@pytest.mark.django_db
def test_seed_demo_command_prints_a_summary():
    # when
    out = io.StringIO()
    call_command("seed_demo", skus=20, days=60, seed=5, no_orders=True, stdout=out)
    # then
    text = out.getvalue()
    assert "Demo data (seed 5): 20 SKUs, 12 suppliers, 5 warehouses" in text
    assert "ledger rows" in text and "open purchase orders" in text
    last = DemandHistory.objects.order_by("-date").values_list("date", flat=True).first()
    assert last <= timezone.localdate() - timedelta(days=1)


@pytest.mark.django_db
def test_seed_demo_rejects_bad_sizes():
    with pytest.raises(CommandError, match="--skus must be at least 1"):
        call_command("seed_demo", skus=0, stdout=io.StringIO())
    with pytest.raises(CommandError, match="--days must be at least 28"):
        call_command("seed_demo", skus=5, days=3, stdout=io.StringIO())
    assert Sku.objects.count() == 0


@pytest.mark.django_db
def test_seed_demo_hands_over_to_fulfilment_demo_orders(monkeypatch):
    # given the demo orders' seeder, recorded
    from demo import orders

    calls = []
    monkeypatch.setattr(
        orders,
        "seed_orders",
        lambda *, rng, today: calls.append((type(rng), today, Sku.objects.count())),
    )
    # when
    result = demo.seed_demo(seed=42, **{**SMALL, "orders": True})
    # then it ran once, after the catalogue existed
    assert calls == [(np.random.Generator, TODAY, 30)]
    assert result.orders_seeded is True


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgres_bulk_load_restores_indexes_constraints_and_the_id_sequence(monkeypatch):
    # given the bulk-load path (drop indexes, COPY with ids, rebuild) even for a small catalogue
    from django.db import connection

    from demo.catalogue import seed

    def schema() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'planning_demandhistory' "
                "UNION SELECT conname FROM pg_constraint "
                "WHERE conrelid = 'planning_demandhistory'::regclass"
            )
            return {row[0] for row in cursor.fetchall()}

    before = schema()
    monkeypatch.setattr(seed, "BULK_LOAD_CELLS", 0)
    # when
    result = demo.seed_demo(seed=42, **SMALL)
    # then the schema is as before, rows are all there and new rows get fresh ids
    assert schema() == before
    assert DemandHistory.objects.count() == result.demand_rows
    sku = Sku.objects.first()
    row = DemandHistory.objects.create(sku=sku, date=TODAY, source="import", units=1)
    assert row.pk > DemandHistory.objects.exclude(pk=row.pk).order_by("-pk").first().pk
