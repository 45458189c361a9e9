"""The snapshot maps the database figures the engine reads; its queries do not grow with SKUs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest

from inventory import services as inventory_services
from inventory.models import FulfilmentScheme
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    purchase_order,
    stock_level,
)
from planning.models import DemandHistory, DemandSource, ServiceLevelTarget
from planning.snapshot import catalogue_sku_ids, history_start, plan_input_build

PLAN_DATE = date(2026, 11, 20)
START = PLAN_DATE - timedelta(days=10)

pytestmark = pytest.mark.django_db


def _build(*skus):
    ids = np.array(sorted(s.pk for s in skus), dtype=np.int64)
    return plan_input_build(sku_ids=ids, plan_date=PLAN_DATE, start=START)


def test_available_is_on_hand_less_reserved_over_own_warehouses_only():
    # given: 10 − 3 in one own warehouse, 5 in another, 40 at an FBO warehouse
    sku = SkuFactory()
    stock_level(sku=sku, warehouse=WarehouseFactory(), on_hand=10, reserved=3)
    stock_level(sku=sku, warehouse=WarehouseFactory(), on_hand=5)
    fbo = FboWarehouseFactory(transit_days=4)
    inventory_services.stock_receive(sku=sku, warehouse=fbo, quantity=40)

    # when
    snap = _build(sku).snapshot

    # then
    assert snap.available.tolist() == [12.0]
    assert snap.fbo.stock.tolist() == [[40.0]]
    assert snap.fbo.transit_days.tolist() == [4.0]


def test_on_order_counts_the_open_part_of_open_purchase_orders():
    # given: a sent PO of 20 with 5 received, a draft of 7, a cancelled one of 100
    sku = SkuFactory()
    warehouse = WarehouseFactory()
    sent = purchase_order(lines=[(sku, 20)], warehouse=warehouse)
    inventory_services.purchase_order_receive(line=sent.lines.get(), quantity=5)
    purchase_order(lines=[(sku, 7)], warehouse=warehouse, sent=False)
    cancelled = purchase_order(lines=[(sku, 100)], warehouse=warehouse)
    inventory_services.purchase_order_cancel(purchase_order=cancelled)

    # when
    plan_input = _build(sku)

    # then
    assert plan_input.snapshot.on_order.tolist() == [22.0]
    assert plan_input.snapshot.receipts_qty[0].sum() == 22.0


def test_in_transit_counts_dispatched_transfers_not_yet_received():
    # given: 8 dispatched to FBO, plus a draft transfer of 3 (still on our shelves)
    sku = SkuFactory()
    own = WarehouseFactory()
    fbo = FboWarehouseFactory()
    stock_level(sku=sku, warehouse=own, on_hand=20)
    moving = inventory_services.transfer_create(source=own, destination=fbo, lines=[(sku, 8)])
    inventory_services.transfer_dispatch(transfer=moving)
    inventory_services.transfer_create(source=own, destination=fbo, lines=[(sku, 3)])

    # when
    snap = _build(sku).snapshot

    # then
    assert snap.in_transit.tolist() == [8.0]
    assert snap.available.tolist() == [12.0]
    assert snap.fbo.in_transit.tolist() == [[11.0]]


def test_demand_sums_sources_and_marks_stockouts_and_lost_demand():
    # given: day −1 sold 4 (import) + 2 (orders); day −2 stocked out with 3 lost; day −3
    # stocked out with nothing recorded (unknown)
    sku = SkuFactory()
    DemandHistory.objects.bulk_create(
        [
            DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=1), units=4, orders=2),
            DemandHistory(
                sku=sku,
                date=PLAN_DATE - timedelta(days=1),
                units=2,
                orders=2,
                source=DemandSource.ORDERS,
            ),
            DemandHistory(
                sku=sku,
                date=PLAN_DATE - timedelta(days=2),
                units=1,
                orders=1,
                lost_units=3,
                stocked_out=True,
            ),
            DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=3), stocked_out=True),
            DemandHistory(sku=sku, date=START - timedelta(days=1), units=99),  # before the window
        ]
    )

    # when
    snap = _build(sku).snapshot

    # then: 10 columns, the last is yesterday
    assert snap.demand.shape == (1, 10)
    assert snap.demand[0, -3:].tolist() == [0.0, 1.0, 6.0]
    assert snap.stockout_mask[0, -3:].tolist() == [True, True, False]
    assert np.isnan(snap.lost_demand[0, -3])
    assert snap.lost_demand[0, -2:].tolist() == [3.0, 0.0]
    assert snap.mean_units_per_order.tolist() == [7 / 5]
    assert snap.history_end_weekday == (PLAN_DATE - timedelta(days=1)).weekday()


def test_no_stockouts_means_no_mask():
    sku = SkuFactory()
    DemandHistory.objects.create(sku=sku, date=PLAN_DATE - timedelta(days=1), units=4)
    snap = _build(sku).snapshot
    assert snap.stockout_mask is None and snap.lost_demand is None
    assert snap.mean_units_per_order.tolist() == [1.0]


def test_service_level_is_the_skus_own_else_its_abc_target_else_the_default(settings):
    # given
    settings.ZAPAS = {**settings.ZAPAS, "DEFAULT_SERVICE_LEVEL": 0.93}
    ServiceLevelTarget.objects.update_or_create(
        abc_class="B", defaults={"service_level": Decimal("0.960")}
    )
    own = SkuFactory(service_level=Decimal("0.990"), abc_class="C")
    by_class = SkuFactory(abc_class="B")
    unclassified = SkuFactory(abc_class="")

    # when
    snap = _build(own, by_class, unclassified).snapshot

    # then
    assert snap.service_level.tolist() == [0.99, 0.96, 0.93]


def test_service_level_targets_are_seeded_with_history():
    assert dict(ServiceLevelTarget.objects.values_list("abc_class", "service_level")) == {
        "A": Decimal("0.980"),
        "B": Decimal("0.950"),
        "C": Decimal("0.900"),
    }
    target = ServiceLevelTarget.objects.get(abc_class="A")
    target.service_level = Decimal("0.970")
    target.save()
    change = target.history.get()
    assert (change.history_type, change.service_level) == ("~", Decimal("0.970"))


def test_lead_time_comes_from_the_primary_item_override_else_its_supplier(settings):
    # given
    settings.ZAPAS = {**settings.ZAPAS, "PLAN_DEFAULT_LEAD_TIME": 21}
    slow = SupplierFactory(lead_time_mean_days=Decimal("30"), lead_time_sd_days=Decimal("5"))
    fast = SupplierFactory(lead_time_mean_days=Decimal("4"), lead_time_sd_days=Decimal("1"))
    overridden, plain, orphan = SkuFactory(), SkuFactory(), SkuFactory()
    SupplierItemFactory(
        sku=overridden,
        supplier=fast,
        lead_time_mean_days=Decimal("6.5"),
        moq=10,
        pack_size=6,
        unit_cost=Decimal("70"),
    )
    SupplierItemFactory(sku=overridden, supplier=slow, is_primary=False)
    SupplierItemFactory(sku=plain, supplier=slow)

    # when
    plan_input = _build(overridden, plain, orphan)
    snap = plan_input.snapshot

    # then
    assert snap.lead_time_mean_days.tolist() == [6.5, 30.0, 21.0]
    assert snap.lead_time_sd_days.tolist() == [1.0, 5.0, 0.0]
    assert snap.review_days.tolist() == [7.0, 7.0, 7.0]
    assert (snap.moq.tolist(), snap.pack_size.tolist()) == ([10.0, 1.0, 1.0], [6.0, 1.0, 1.0])
    assert plan_input.supplier_id.tolist() == [fast.pk, slow.pk, 0]
    assert plan_input.supplier_unit_cost.tolist() == [70.0, 80.0, 100.0]


def test_current_scheme_and_prices_map_per_sku():
    fbo = SkuFactory(scheme=FulfilmentScheme.FBO, sale_price=Decimal("300"), volume_l=2)
    fbs = SkuFactory(fbs_prep_days=2)
    snap = _build(fbo, fbs).snapshot
    assert snap.current_scheme.tolist() == [1, 0]
    assert snap.sale_price.tolist() == [300.0, 250.0]
    assert snap.volume_l.tolist() == [2.0, 1.0]
    assert snap.fbs_prep_days.tolist() == [1.0, 2.0]


def test_history_starts_at_the_first_recorded_day_within_the_window():
    sku = SkuFactory()
    DemandHistory.objects.create(sku=sku, date=PLAN_DATE - timedelta(days=40), units=1)
    assert history_start(plan_date=PLAN_DATE) == PLAN_DATE - timedelta(days=40)
    # nothing recorded inside a 30-day window: a 28-day window of zeros
    assert history_start(plan_date=PLAN_DATE, history_days=30) == PLAN_DATE - timedelta(days=28)


def _catalogue(n: int) -> list:
    warehouse = WarehouseFactory()
    fbo = FboWarehouseFactory()
    supplier = SupplierFactory()
    skus = []
    for _ in range(n):
        sku = SkuFactory(barcode=False)
        SupplierItemFactory(sku=sku, supplier=supplier)
        stock_level(sku=sku, warehouse=warehouse, on_hand=5)
        DemandHistory.objects.create(sku=sku, date=PLAN_DATE - timedelta(days=2), units=3)
        skus.append(sku)
    purchase_order(lines=[(s, 4) for s in skus[:3]], supplier=supplier, warehouse=warehouse)
    transfer = inventory_services.transfer_create(
        source=warehouse, destination=fbo, lines=[(s, 1) for s in skus[:3]]
    )
    inventory_services.transfer_dispatch(transfer=transfer)
    return skus


@pytest.mark.parametrize("n", [3, 30])
def test_the_snapshot_takes_a_fixed_number_of_queries(n, django_assert_max_num_queries):
    # given
    skus = _catalogue(n)

    # when / then: the same bound for 3 and 30 SKUs (the shop calendar is one of them; four
    # read the FBO report, the cluster demand and the two measured costs)
    with django_assert_max_num_queries(17):
        ids = catalogue_sku_ids()
        plan_input = plan_input_build(sku_ids=ids, plan_date=PLAN_DATE, start=START)
    assert plan_input.n_skus == len(skus)
    assert plan_input.snapshot.on_order.sum() == 12.0


def test_open_orders_reserve_stock_and_short_ones_reduce_available_further():
    # given: 6 on hand; an open order for 10 reserves 6 and is 4 short
    from fulfilment.tests.factories import order

    sku = SkuFactory()
    warehouse = WarehouseFactory()
    stock_level(sku=sku, warehouse=warehouse, on_hand=6)
    order(warehouse=warehouse, lines=[(sku, 10)])

    # when
    snap = _build(sku).snapshot

    # then: 6 − 6 reserved − 4 short
    assert snap.available.tolist() == [-4.0]


def _weekday_history(skus, days: int = 56, closed_weekday: int = 5) -> None:
    DemandHistory.objects.bulk_create(
        DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=d), units=2, orders=2)
        for sku in skus
        for d in range(1, days + 1)
        if (PLAN_DATE - timedelta(days=d)).weekday() != closed_weekday
    )


def test_the_shop_calendar_is_read_over_the_whole_catalogue(settings):
    # given: six SKUs that never sold on a Saturday in eight weeks, and a given holiday
    skus = [SkuFactory() for _ in range(6)]
    _weekday_history(skus)
    holiday = PLAN_DATE + timedelta(days=3)
    settings.ZAPAS = {**settings.ZAPAS, "SHOP_HOLIDAYS": [holiday.isoformat()]}
    start = PLAN_DATE - timedelta(days=56)

    # when: one SKU's snapshot is built
    one = plan_input_build(sku_ids=np.array([skus[0].pk]), plan_date=PLAN_DATE, start=start)

    # then: its calendar comes from all six (Saturdays closed) and holds the holiday
    cal = one.snapshot.calendar
    assert cal.closed_weekdays == (5,)
    assert cal.open_days.sum() == 48
    assert cal.future_closed == (3,)
    assert not cal.future_open(7)[3]


def test_the_shop_calendar_survives_the_runs_json(settings):
    from planning.snapshot import (
        shop_calendar_from_json,
        shop_calendar_read,
        shop_calendar_to_json,
    )

    skus = [SkuFactory() for _ in range(6)]
    _weekday_history(skus)
    start = PLAN_DATE - timedelta(days=56)
    gap = PLAN_DATE - timedelta(days=10)  # a given past closure
    settings.ZAPAS = {**settings.ZAPAS, "SHOP_HOLIDAYS": [gap, PLAN_DATE + timedelta(days=1)]}
    cal = shop_calendar_read(start=start, plan_date=PLAN_DATE)
    back = shop_calendar_from_json(
        shop_calendar_to_json(cal, start=start), start=start, plan_date=PLAN_DATE
    )
    assert np.array_equal(back.open_days, cal.open_days)
    assert not cal.open_days[(gap - start).days]
    assert back.closed_weekdays == cal.closed_weekdays == (5,)
    assert back.future_closed == cal.future_closed == (1,)
    # given weekdays replace the detected ones
    settings.ZAPAS = {**settings.ZAPAS, "SHOP_CLOSED_WEEKDAYS": [6]}
    assert shop_calendar_read(start=start, plan_date=PLAN_DATE).closed_weekdays == (6,)
