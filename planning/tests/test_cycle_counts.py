"""Cycle-count lists and record accuracy from hand-built stock, shipments and counts."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from inventory import services
from inventory.models import StockCount, StockMovement
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level
from planning.cycle_counts import cycle_count_plan_build, cycle_count_tasks, record_accuracy
from planning.models import CycleCountTask

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _back_date(model, pk: int, days_ago: int) -> None:
    at = timezone.make_aware(datetime.combine(TODAY - timedelta(days=days_ago), time(10)))
    model.objects.filter(pk=pk).update(created_at=at)


@pytest.fixture
def cells(settings):
    settings.ZAPAS = {**settings.ZAPAS, "CYCLE_COUNT_DAILY_BUDGET": 2}
    wh = WarehouseFactory(code="MSK")
    fast = SkuFactory(code="FAST", unit_cost=Decimal("100"))
    slow = SkuFactory(code="SLOW", unit_cost=Decimal("10"))
    drift = SkuFactory(code="DRIFT", unit_cost=Decimal("1"))
    fresh = SkuFactory(code="FRESH", unit_cost=Decimal("50"))
    empty = SkuFactory(code="EMPTY", unit_cost=Decimal("999"))
    for sku in (fast, slow, drift, fresh):
        stock_level(sku=sku, warehouse=wh, on_hand=100)
    stock_level(sku=empty, warehouse=wh, on_hand=0)
    # value shipped in 90 days: FAST 90 × 100, SLOW 9 × 10, DRIFT 9 × 1, FRESH 1 × 50
    for sku, qty in ((fast, 90), (slow, 9), (drift, 9), (fresh, 1)):
        m = services.stock_ship(sku=sku, warehouse=wh, quantity=qty)
        _back_date(StockMovement, m.pk, 5)
    # counts: FAST 20 days ago exact; DRIFT 50 and 100 days ago, both off; FRESH yesterday
    for sku, ago, delta in ((fast, 20, 0), (drift, 100, -1), (drift, 50, -1), (fresh, 1, 0)):
        level = sku.stock_levels.get()
        services.stock_count(sku=sku, warehouse=wh, counted=level.on_hand + delta)
        _back_date(StockCount, StockCount.objects.latest("id").pk, ago)
    return wh, fast, slow, drift, fresh


def test_the_days_list_is_the_most_urgent_cells_within_budget(cells):
    wh, fast, slow, drift, fresh = cells
    # daily value: FAST 9000 is A (98 % of the total), the rest C (interval 120 days)
    # FAST: 20/30 = 0.67 not due; SLOW never counted: due at once (365/120);
    # DRIFT: 50 days, both its counts off → 50/120 × 2 = 0.83, not due; FRESH: 1 day
    assert cycle_count_plan_build(as_of=TODAY) == 1
    task = CycleCountTask.objects.get()
    assert (task.sku, task.rank, task.days_since_count, task.past_counts) == (slow, 1, None, 0)
    assert task.on_hand == 91
    # 40 days on: SLOW 405/120 = 3.4, FAST 60/30 = 2, DRIFT 90/120 × 2 = 1.5: budget 2
    later = TODAY + timedelta(days=40)
    assert cycle_count_plan_build(as_of=later) == 2
    ranked = list(
        CycleCountTask.objects.filter(plan_date=later).values_list("sku__code", "rank", "abc_class")
    )
    assert ranked == [("SLOW", 1, "C"), ("FAST", 2, "A")]


def test_a_cell_counted_today_is_done(cells):
    wh, *_ = cells
    cycle_count_plan_build(as_of=TODAY)
    task = cycle_count_tasks(warehouse=wh, day=TODAY).get()
    assert task.done is False
    services.stock_count(sku=task.sku, warehouse=wh, counted=91)
    assert cycle_count_tasks(warehouse=wh, day=TODAY).get().done is True


def test_record_accuracy_per_warehouse(cells):
    (row,) = record_accuracy(days=365)
    # four counts: two exact, two off by one unit of a 1.00 SKU
    assert (row.warehouse_code, row.counts, row.exact) == ("MSK", 4, 2)
    assert row.exact_share == 0.5
    assert row.variance_value == Decimal("2.00")
    (recent,) = record_accuracy(days=30)
    assert (recent.counts, recent.exact) == (2, 2)


def test_dashboard_shows_record_accuracy_and_admin_lists_the_plan(cells, client):
    from django.urls import reverse

    from planning.tests.admin_data import staff_member

    cycle_count_plan_build(as_of=TODAY)
    client.force_login(staff_member("Planner", "planner"))
    body = client.get(reverse("admin:index")).content.decode()
    assert "Record accuracy" in body
    # within 90 days: the counts 20, 50 and 1 days ago, one off by a unit of 1.00
    assert "<td>MSK</td><td>67% <small>of 3 counts</small></td><td>1.00\xa0RUB</td>" in body
    page = client.get(reverse("admin:planning_cyclecounttask_changelist")).content.decode()
    assert "SLOW" in page and "0 / 0" in page
