"""Learned lead times and scorecards from hand-built purchase orders and receipts."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from inventory import services
from inventory.models import PurchaseOrder, StockMovement
from inventory.tests.factories import (
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    purchase_order,
)
from planning.models import SupplierLearningMark, SupplierPerformance, SupplierReceiptChunk
from planning.snapshot import plan_input_build
from planning.supplier_learning import supplier_performance_refresh
from planning.tests.admin_data import staff_member

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 1)


def _po(supplier, warehouse, sku, qty, ordered_on: date, expected_on: date) -> PurchaseOrder:
    po = purchase_order(lines=[(sku, qty)], supplier=supplier, warehouse=warehouse)
    PurchaseOrder.objects.filter(pk=po.pk).update(
        order_date=ordered_on, expected_arrival=expected_on
    )
    return po


def _receive(po: PurchaseOrder, qty: int, on: date) -> None:
    movement = services.purchase_order_receive(line=po.lines.get(), quantity=qty)
    # back-date the ledger row to the day the goods came in
    at = timezone.make_aware(datetime.combine(on, time(11, 0)))
    StockMovement.objects.filter(pk=movement.pk).update(created_at=at)


@pytest.fixture
def history():
    supplier = SupplierFactory(lead_time_mean_days=Decimal("8"), lead_time_sd_days=Decimal("1"))
    warehouse = WarehouseFactory()
    sku_a, sku_b = SkuFactory(), SkuFactory()
    SupplierItemFactory(sku=sku_a, supplier=supplier)
    SupplierItemFactory(sku=sku_b, supplier=supplier)
    # A: 100 ordered 1 March, expected 9 March; 60 came on 11 March (10 days), 40 on 16 March
    po1 = _po(supplier, warehouse, sku_a, 100, date(2026, 3, 1), date(2026, 3, 9))
    _receive(po1, 60, date(2026, 3, 11))
    _receive(po1, 40, date(2026, 3, 16))
    # B: 50 ordered 1 May, expected 9 May, all came on 8 May (7 days, early)
    po2 = _po(supplier, warehouse, sku_b, 50, date(2026, 5, 1), date(2026, 5, 9))
    _receive(po2, 50, date(2026, 5, 8))
    # B: 30 ordered 1 April, expected 9 April, nothing came: due, counts in the fill rate
    _po(supplier, warehouse, sku_b, 30, date(2026, 4, 1), date(2026, 4, 9))
    # not yet due, and a cancelled order: left out of the fill rate
    _po(supplier, warehouse, sku_b, 70, date(2026, 5, 25), date(2026, 6, 2))
    cancelled = _po(supplier, warehouse, sku_a, 99, date(2026, 4, 2), date(2026, 4, 10))
    services.purchase_order_cancel(purchase_order=cancelled)
    return supplier, sku_a, sku_b


def test_supplier_figures_from_partial_receipts(history, settings):
    supplier, sku_a, sku_b = history
    settings.ZAPAS = {**settings.ZAPAS, "LEAD_TIME_PRIOR_RECEIPTS": 5}
    # when
    written = supplier_performance_refresh(as_of=AS_OF)
    # then: one supplier row and one row per item with receipts
    assert written == 3
    row = SupplierPerformance.objects.get(supplier=supplier, sku=None)
    # receipts (days, units): (10, 60), (15, 40), (7, 50) → x̄ = 1550/150
    assert row.receipts == 3 and row.units_received == 150
    assert row.observed_mean_days == pytest.approx(1550 / 150, abs=1e-4)
    var = (60 * (10 - 31 / 3) ** 2 + 40 * (15 - 31 / 3) ** 2 + 50 * (7 - 31 / 3) ** 2) / 150
    assert row.observed_sd_days == pytest.approx(np.sqrt(var), abs=1e-4)
    n_eff = 150**2 / (60**2 + 40**2 + 50**2)
    lam = n_eff / (n_eff + 5)
    assert row.data_share == pytest.approx(lam, abs=1e-4)
    assert row.learned_mean_days == pytest.approx(lam * 31 / 3 + (1 - lam) * 8, abs=1e-4)
    assert row.observed_p50_days == 10 and row.observed_p90_days == 15
    assert (row.stated_mean_days, row.stated_sd_days) == (8.0, 1.0)
    # on time: only B's 50 units; delay (2·60 + 7·40) / 150; fill (100 + 50 + 0) / 180
    assert row.on_time_rate == pytest.approx(50 / 150, abs=1e-4)
    assert row.average_delay_days == pytest.approx(400 / 150, abs=1e-4)
    assert row.fill_rate == pytest.approx(150 / 180, abs=1e-4)
    assert row.worsening is False
    # the item row of A is shrunk toward the supplier's learned figure
    item = SupplierPerformance.objects.get(supplier=supplier, sku=sku_a)
    assert item.receipts == 2 and item.observed_mean_days == pytest.approx(12.0)
    assert item.stated_mean_days == pytest.approx(row.learned_mean_days, abs=1e-4)
    lam_a = (25 / 13) / (25 / 13 + 5)
    assert item.learned_mean_days == pytest.approx(
        lam_a * 12 + (1 - lam_a) * row.learned_mean_days, abs=1e-3
    )
    assert item.fill_rate == 1.0 and item.on_time_rate == 0.0


def test_item_override_is_the_items_prior(history):
    supplier, sku_a, _ = history
    sku_a.supplier_items.update(lead_time_mean_days=Decimal("20"), lead_time_sd_days=None)
    supplier_performance_refresh(as_of=AS_OF)
    item = SupplierPerformance.objects.get(supplier=supplier, sku=sku_a)
    assert (item.stated_mean_days, item.stated_sd_days) == (20.0, 1.0)
    lam_a = (25 / 13) / (25 / 13 + 5)
    assert item.learned_mean_days == pytest.approx(lam_a * 12 + (1 - lam_a) * 20, abs=1e-3)


def test_refresh_is_repeatable_and_replaces_rows(history):
    supplier_performance_refresh(as_of=AS_OF)
    first = list(SupplierPerformance.objects.values_list("supplier", "sku", "learned_mean_days"))
    assert supplier_performance_refresh(as_of=AS_OF) == 3
    again = list(SupplierPerformance.objects.values_list("supplier", "sku", "learned_mean_days"))
    assert first == again


def test_planner_uses_learned_lead_times(history, settings):
    supplier, sku_a, sku_b = history
    other = SkuFactory()
    SupplierItemFactory(sku=other, supplier=supplier, lead_time_mean_days=Decimal("3"))
    supplier_performance_refresh(as_of=AS_OF)
    ids = np.array(sorted([sku_a.pk, sku_b.pk, other.pk]), dtype=np.int64)
    snap = plan_input_build(sku_ids=ids, plan_date=AS_OF).snapshot
    by_id = dict(zip(ids.tolist(), snap.lead_time_mean_days.tolist(), strict=True))
    learned = dict(
        SupplierPerformance.objects.filter(sku__isnull=False).values_list(
            "sku_id", "learned_mean_days"
        )
    )
    assert by_id[sku_a.pk] == pytest.approx(learned[sku_a.pk])
    assert by_id[sku_b.pk] == pytest.approx(learned[sku_b.pk])
    # an item with its own stated override and no receipts keeps it
    assert by_id[other.pk] == 3.0
    # switched off: the stated figures again
    settings.ZAPAS = {**settings.ZAPAS, "PLAN_LEARNED_LEAD_TIMES": False}
    snap = plan_input_build(sku_ids=ids, plan_date=AS_OF).snapshot
    assert snap.lead_time_mean_days.tolist().count(8.0) == 2


def test_supplier_without_receipts_shows_the_stated_figures():
    supplier = SupplierFactory(lead_time_mean_days=Decimal("12.5"), lead_time_sd_days=Decimal("3"))
    supplier_performance_refresh(as_of=AS_OF)
    row = SupplierPerformance.objects.get(supplier=supplier)
    assert row.receipts == 0 and row.observed_mean_days is None
    assert (row.learned_mean_days, row.learned_sd_days) == (12.5, 3.0)
    assert row.on_time_rate is None and row.fill_rate is None


def test_buyers_see_stated_and_learned_lead_times_with_receipts(history, client):
    supplier, sku_a, _ = history
    supplier_performance_refresh(as_of=AS_OF)
    SupplierPerformance.objects.filter(supplier=supplier, sku=None).update(
        worsening=True, recent_on_time_rate=0.4, previous_on_time_rate=0.9
    )
    client.force_login(staff_member("Buyer", "buyer"))
    response = client.get(reverse("admin:planning_supplierperformance_changelist"))
    assert response.status_code == 200
    body = response.content.decode()
    row = SupplierPerformance.objects.get(supplier=supplier, sku=None)
    assert f"{row.learned_mean_days:.1f} ± {row.learned_sd_days:.1f}" in body
    assert "8.0 ± 1.0" in body  # stated
    assert "⚠ 90% → 40% on time" in body
    assert "33%" in body  # on time
    assert "83%" in body  # fill rate


# --- incremental learning: each run reads only the order dates that changed ----------------


class _Rollback(Exception):
    def __init__(self, rows):
        self.rows = rows


def _performance_rows() -> list[tuple]:
    fields = [f.attname for f in SupplierPerformance._meta.concrete_fields if f.name != "id"]
    return list(SupplierPerformance.objects.order_by("supplier", "sku").values_list(*fields))


def _full_refit_rows(as_of: date) -> list[tuple]:
    """What a full refit gives now, leaving the stored chunks as they were."""
    try:
        with transaction.atomic():
            supplier_performance_refresh(as_of=as_of, full=True)
            raise _Rollback(_performance_rows())
    except _Rollback as done:
        return done.rows


def _built() -> dict[date, datetime]:
    return dict(SupplierReceiptChunk.objects.values_list("order_date", "built_at"))


def test_incremental_equals_full_refit_after_new_receipts_and_changes(history):
    supplier, sku_a, sku_b = history
    warehouse = PurchaseOrder.objects.first().warehouse
    # one more order on the window's first day: in at AS_OF, out of the window a day later
    oldest = _po(supplier, warehouse, sku_a, 20, AS_OF - timedelta(days=365), AS_OF)
    _receive(oldest, 20, AS_OF - timedelta(days=350))
    supplier_performance_refresh(as_of=AS_OF)
    assert _performance_rows() == _full_refit_rows(AS_OF)
    assert SupplierPerformance.objects.get(supplier=supplier, sku=sku_a).receipts == 3
    before = _built()
    # the next day: 30 of the 70 ordered on 25 May came in, a new order was placed and the
    # overdue order of 1 April was cancelled
    open_po = PurchaseOrder.objects.get(order_date=date(2026, 5, 25))
    _receive(open_po, 30, AS_OF)
    _po(supplier, warehouse, sku_a, 40, AS_OF, AS_OF + timedelta(days=9))
    overdue = PurchaseOrder.objects.get(order_date=date(2026, 4, 1))
    services.purchase_order_cancel(purchase_order=overdue)
    nxt = AS_OF + timedelta(days=1)
    supplier_performance_refresh(as_of=nxt)
    # then: the figures of a full refit
    assert _performance_rows() == _full_refit_rows(nxt)
    row = SupplierPerformance.objects.get(supplier=supplier, sku=None)
    assert row.receipts == 4 and row.units_received == 180  # the oldest order left the window
    assert row.fill_rate == pytest.approx(150 / 150)  # the cancelled order no longer counts
    # only the changed dates were read again; the window's first day was dropped
    after = _built()
    changed = {d for d, at in after.items() if before.get(d) != at}
    assert changed == {date(2026, 4, 1), date(2026, 5, 25), AS_OF}
    assert AS_OF - timedelta(days=365) not in after


def test_a_receipt_committed_after_the_mark_with_a_lower_id_is_still_read(history):
    supplier, _, sku_b = history
    open_po = PurchaseOrder.objects.get(order_date=date(2026, 5, 25))
    _receive(open_po, 10, AS_OF - timedelta(days=1))
    supplier_performance_refresh(as_of=AS_OF)
    # a second partial receipt: the order's status (its fingerprint) stays the same
    _receive(open_po, 20, AS_OF)
    # as if the receipt's transaction had taken its id before the last run and committed after
    top, booked = StockMovement.objects.order_by("-pk").values_list("pk", "created_at")[0]
    SupplierLearningMark.objects.update(movement_id=top, updated_at=booked + timedelta(minutes=5))
    nxt = AS_OF + timedelta(days=1)
    supplier_performance_refresh(as_of=nxt)
    assert SupplierPerformance.objects.get(supplier=supplier, sku=sku_b).receipts == 3
    assert _performance_rows() == _full_refit_rows(nxt)


def test_an_edited_expected_arrival_is_read_again(history):
    supplier, sku_a, _ = history
    supplier_performance_refresh(as_of=AS_OF)
    assert SupplierPerformance.objects.get(supplier=supplier, sku=sku_a).on_time_rate == 0.0
    # the buyer moves A's expected arrival to 20 March: both receipts were on time
    PurchaseOrder.objects.filter(order_date=date(2026, 3, 1)).update(
        expected_arrival=date(2026, 3, 20)
    )
    supplier_performance_refresh(as_of=AS_OF)
    assert SupplierPerformance.objects.get(supplier=supplier, sku=sku_a).on_time_rate == 1.0
    assert _performance_rows() == _full_refit_rows(AS_OF)


def test_another_time_zone_reads_everything_again(history, settings):
    supplier_performance_refresh(as_of=AS_OF)
    before = _built()
    settings.TIME_ZONE = "Asia/Shanghai" if settings.TIME_ZONE != "Asia/Shanghai" else "UTC"
    supplier_performance_refresh(as_of=AS_OF)
    after = _built()
    assert set(after) == set(before) and all(after[d] != before[d] for d in after)
    assert _performance_rows() == _full_refit_rows(AS_OF)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_equals_full_refit_night_after_night(seed, settings):
    """Random orders, receipts, cancellations and date edits over three weeks of nights: the
    stored state always gives the full refit's figures."""
    settings.ZAPAS = {**settings.ZAPAS, "LEAD_TIME_LEARN_DAYS": 40, "SCORECARD_WINDOW_DAYS": 7}
    rng = np.random.default_rng(seed)
    suppliers = [SupplierFactory(lead_time_mean_days=Decimal(m)) for m in ("6", "12")]
    warehouse = WarehouseFactory()
    skus = [SkuFactory() for _ in range(4)]
    for i, sku in enumerate(skus):
        SupplierItemFactory(sku=sku, supplier=suppliers[i % 2])
    start = AS_OF - timedelta(days=60)
    open_orders: list[PurchaseOrder] = []

    def night(day: date) -> None:
        for _ in range(int(rng.integers(0, 3))):  # new orders, some back-dated
            sku = skus[int(rng.integers(len(skus)))]
            ordered = day - timedelta(days=int(rng.integers(1, 30)))
            expected = ordered + timedelta(days=int(rng.integers(3, 15)))
            supplier = suppliers[skus.index(sku) % 2]
            open_orders.append(
                _po(supplier, warehouse, sku, int(rng.integers(5, 50)), ordered, expected)
            )
        for po in list(open_orders):
            line = po.lines.get()
            roll = rng.random()
            if roll < 0.35 and line.quantity_open:
                _receive(po, int(rng.integers(1, line.quantity_open + 1)), day - timedelta(1))
            elif roll < 0.4 and line.quantity_received == 0:
                services.purchase_order_cancel(purchase_order=po)
                open_orders.remove(po)
            elif roll < 0.45:
                PurchaseOrder.objects.filter(pk=po.pk).update(
                    expected_arrival=day + timedelta(days=int(rng.integers(-5, 5)))
                )
            po.refresh_from_db()
            if po.status == PurchaseOrder.Status.RECEIVED and po in open_orders:
                open_orders.remove(po)

    for n in range(21):
        day = start + timedelta(days=n)
        night(day)
        supplier_performance_refresh(as_of=day)
        assert _performance_rows() == _full_refit_rows(day), f"night {n}"
    assert SupplierPerformance.objects.filter(receipts__gt=0).exists()
