"""Prep-time recommendations, packing capacity and the due-orders outlook from hand-built orders."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from fulfilment.models import Order, OrderStatus
from fulfilment.tests.factories import order
from inventory.tests.factories import SkuFactory, WarehouseFactory
from planning.models import CapacityForecast, PackingCapacity, PrepTimeRecommendation
from planning.prep_capacity import (
    capacity_forecast_refresh,
    packing_capacity_refresh,
    prep_time_apply,
    prep_time_refresh,
)
from planning.tests.admin_data import staff_member
from planning.tests.factories import PlanRunFactory, SkuPlanFactory

pytestmark = pytest.mark.django_db

MSK = ZoneInfo("Europe/Moscow")
MONDAY = date(2026, 6, 1)
AS_OF = date(2026, 6, 15)  # a Monday two weeks later


def _at(day: int, hour: int) -> datetime:
    return datetime.combine(MONDAY + timedelta(days=day), time(hour), tzinfo=MSK)


# (accepted day, hour) → (handed over day, hour), as in the engine's hand-built week
HISTORY = [((0, 10), (0, 13)), ((0, 10), (0, 15)), ((0, 15), (1, 12)), ((4, 10), (5, 10)),
           ((5, 12), (9, 16))]  # fmt: skip


@pytest.fixture
def shop(settings):
    settings.ZAPAS = {**settings.ZAPAS, "PREP_MIN_SKU_ORDERS": 2, "PREP_TARGET_LATE_SHARE": 0.02}
    warehouse = WarehouseFactory(cutoff_time=time(14))
    x = SkuFactory(fbs_prep_days=1)
    y = SkuFactory(fbs_prep_days=2)
    for k, ((ad, ah), (hd, hh)) in enumerate(HISTORY):
        lines = [(x, 1), (y, 1)] if k in (0, 2) else [(x, 1)]
        o = order(warehouse=warehouse, lines=lines, accepted_at=_at(ad, ah))
        Order.objects.filter(pk=o.pk).update(
            status=OrderStatus.DELIVERING,
            packed_at=_at(hd, hh) - timedelta(hours=1),
            shipped_at=_at(hd, hh),
        )
    return warehouse, x, y


def test_prep_time_recommendation_per_warehouse_and_for_a_sku_that_differs(shop):
    warehouse, x, y = shop
    assert prep_time_refresh(as_of=AS_OF) == 2
    row = PrepTimeRecommendation.objects.get(warehouse=warehouse, sku=None)
    assert row.orders == 5
    assert row.late_share == [0.6, 0.2, 0.2, 0.0, 0.0, 0.0]
    assert row.current_days == 1 and row.late_now == 0.2  # only the Saturday order was late
    assert row.recommended_days == 3 and row.recommended_late_share == 0.0
    assert (row.hours_p50, row.hours_p90) == (6.0, 25.0)
    # Y was only on the two quick orders: 0 days would do
    sku_row = PrepTimeRecommendation.objects.get(warehouse=warehouse, sku=y)
    assert sku_row.orders == 2 and sku_row.recommended_days == 0
    assert sku_row.late_share[0] == 0.0 and sku_row.current_days == 2


def test_applying_sets_the_skus_prep_time_with_history(shop):
    warehouse, x, y = shop
    prep_time_refresh(as_of=AS_OF)
    whole = PrepTimeRecommendation.objects.get(warehouse=warehouse, sku=None)
    assert prep_time_apply(recommendation=whole) == 1  # Y has a row of its own
    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.fbs_prep_days, y.fbs_prep_days) == (3, 2)
    assert x.history.first().fbs_prep_days == 3
    own = PrepTimeRecommendation.objects.get(warehouse=warehouse, sku=y)
    assert prep_time_apply(recommendation=own) == 1
    y.refresh_from_db()
    assert y.fbs_prep_days == 0
    whole.refresh_from_db()
    assert whole.applied_at is not None
    assert prep_time_apply(recommendation=whole) == 0  # already applied: nothing changes


def test_capacity_learned_and_due_orders_forecast_with_warnings(shop):
    warehouse, x, y = shop
    # packed (hour before hand-over) on Mon ×2, Tue, Fri(?), Wed of week 2: working-day counts
    assert packing_capacity_refresh(as_of=AS_OF) == 1
    cap = PackingCapacity.objects.get(warehouse=warehouse)
    # packed days: Mon 0 (×2: 12:00, 14:00), Tue 1, Sat 5 (a day off: not counted), Wed 9
    # → counts 2, 1, 1 on three working days; 90th percentile = 2 → 2 ÷ 9 h
    assert cap.days_measured == 3
    assert cap.learned_orders_per_hour == pytest.approx(round(2 / 9, 2))
    cap.packers = 2
    cap.save()
    # the live plan expects 9 units of X a day; X was on 5 of 7 lines (5 units), 5 orders
    run = PlanRunFactory(plan_date=AS_OF)
    SkuPlanFactory(run=run, sku=x, forecast_mean=9.0)
    # an open order due Tuesday
    o = order(warehouse=warehouse, lines=[(y, 1)], accepted_at=_at(14, 10))
    Order.objects.filter(pk=o.pk).update(ship_by=_at(15, 14))
    assert capacity_forecast_refresh(as_of=AS_OF) == 14
    days = {r.day: r for r in CapacityForecast.objects.filter(warehouse=warehouse)}
    per_day = 9 * 5 / 5 * 5 / 7  # orders of X arriving each day
    monday, tuesday = days[AS_OF], days[AS_OF + timedelta(days=1)]
    assert monday.expected_due == 0 and monday.open_due == 0  # X needs a day
    assert tuesday.open_due == 1 and tuesday.expected_due == pytest.approx(per_day, abs=0.01)
    # next Tuesday: Monday's, Saturday's and Sunday's orders fall due together
    assert days[AS_OF + timedelta(days=8)].expected_due == pytest.approx(3 * per_day, abs=0.01)
    assert days[AS_OF + timedelta(days=5)].capacity == 0  # Saturday
    assert tuesday.capacity == pytest.approx(0.22 * 9)
    excess = 1 + per_day - 0.22 * 9
    assert tuesday.excess == pytest.approx(excess, abs=0.01)
    # one packer-hour packs 0.22 / 2 orders
    assert tuesday.extra_packer_hours == pytest.approx(excess / 0.11, abs=0.1)


def test_planner_sees_the_late_share_table_and_applies_it(shop, client):
    warehouse, x, y = shop
    prep_time_refresh(as_of=AS_OF)
    client.force_login(staff_member("Planner", "planner"))
    url = reverse("admin:planning_preptimerecommendation_changelist")
    body = client.get(url).content.decode()
    assert "set <b>3 days</b>: 0.0% late instead of 20.0% (now 1 days)" in body
    assert "<td>60.0%</td>" in body and "<td><b>0.0%</b></td>" in body
    ids = list(PrepTimeRecommendation.objects.values_list("pk", flat=True))
    response = client.post(
        url, {"action": "apply", "_selected_action": [str(i) for i in ids]}, follow=True
    )
    assert "Prep time changed on 2 SKUs." in response.content.decode()
    x.refresh_from_db()
    y.refresh_from_db()
    assert (x.fbs_prep_days, y.fbs_prep_days) == (3, 0)


def test_a_buyer_cannot_apply_prep_times(shop, client):
    prep_time_refresh(as_of=AS_OF)
    client.force_login(staff_member("Buyer", "buyer"))
    url = reverse("admin:planning_preptimerecommendation_changelist")
    assert client.get(url).status_code == 403


def test_dashboard_warns_of_packing_peaks(shop, client):
    warehouse, x, _ = shop
    day = timezone.localdate() + timedelta(days=2)
    CapacityForecast.objects.create(
        warehouse=warehouse,
        day=day,
        computed_on=timezone.localdate(),
        open_due=40,
        expected_due=75.0,
        capacity=90.0,
        excess=25.0,
        extra_packer_hours=5.0,
    )
    client.force_login(staff_member("Planner", "planner"))
    body = client.get(reverse("admin:index")).content.decode()
    assert f"{warehouse.code} " in body
    assert "115 due, capacity 90 — 5.0 extra packer-hours" in body


def _capacity_row(client, cap: PackingCapacity, **values) -> object:
    url = reverse("admin:planning_packingcapacity_changelist")
    return client.post(
        url,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(cap.pk),
            "form-0-orders_per_hour": values.get("orders_per_hour", ""),
            "form-0-packers": values.get("packers", cap.packers),
            "_save": "Save",
        },
        follow=True,
    )


def test_planner_sees_the_learned_capacity_and_sets_their_own(shop, client):
    # given the capacity learned from the shop's packing days
    warehouse, _x, _y = shop
    packing_capacity_refresh(as_of=AS_OF)
    cap = PackingCapacity.objects.get(warehouse=warehouse)
    client.force_login(staff_member("Planner", "planner"))
    url = reverse("admin:planning_packingcapacity_changelist")
    # when the planner opens Packing capacities
    page = client.get(url)
    # then the learned rate, its days and the rate in use are in the warehouse's row
    assert page.status_code == 200
    row = page.context["cl"].result_list.get()
    assert (row.learned_orders_per_hour, row.days_measured) == (0.22, 3)
    body = page.content.decode()
    assert '<td class="field-learned_orders_per_hour">0.22</td>' in body
    assert '<td class="field-effective">0.2</td>' in body
    russian = client.get(url, headers={"accept-language": "ru"}).content.decode()
    assert '<td class="field-effective">0,2</td>' in russian
    # when they set 6 orders an hour with 2 packers, the rate in use follows
    saved = _capacity_row(client, cap, orders_per_hour="6", packers="2")
    cap.refresh_from_db()
    assert (cap.orders_per_hour, cap.packers) == (6, 2)
    assert '<td class="field-effective">6.0</td>' in saved.content.decode()
    # and a rate of 0 is refused on the field, in words, with nothing saved
    refused = _capacity_row(client, cap, orders_per_hour="0", packers="2")
    assert refused.context["cl"].formset.errors[0] == {"orders_per_hour": ["Must be more than 0."]}
    cap.refresh_from_db()
    assert cap.orders_per_hour == 6


def test_the_outlook_lists_each_day_with_its_warning(shop, client):
    warehouse, _x, _y = shop
    day = timezone.localdate() + timedelta(days=3)
    for offset, (open_due, expected) in enumerate([(10, 20.0), (40, 75.0)]):
        CapacityForecast.objects.create(
            warehouse=warehouse,
            day=day + timedelta(days=offset),
            computed_on=timezone.localdate(),
            open_due=open_due,
            expected_due=expected,
            capacity=90.0,
            excess=max(open_due + expected - 90.0, 0.0),
            extra_packer_hours=max(open_due + expected - 90.0, 0.0) / 5,
        )
    client.force_login(staff_member("Planner", "planner"))
    body = client.get(reverse("admin:planning_capacityforecast_changelist")).content.decode()
    assert body.count("over: ") == 1
    assert "25 over: 5.0 extra packer-hours" in body
    assert '<td class="field-total">115</td>' in body and '<td class="field-total">30</td>' in body
