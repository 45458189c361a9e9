"""Learned lead times and scorecards from hand-built purchase orders and receipts."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import numpy as np
import pytest
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
from planning.models import SupplierPerformance
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
