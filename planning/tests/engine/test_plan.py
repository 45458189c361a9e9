"""The whole-catalogue entry point on small synthetic snapshots."""

import dataclasses

import numpy as np
import pytest

from planning.engine import CataloguePlan, FboSnapshot, PlanParams, plan_catalogue
from planning.engine.schema import FBO, METHOD_NAMES, NO_DEMAND

from ._factory import snapshot


def test_plan_shapes_types_and_sanity():
    snap = snapshot(n=50, n_days=150)
    plan = plan_catalogue(snap, PlanParams(chunk_size=16))  # several blocks, 2 threads
    n = 50
    for f in dataclasses.fields(CataloguePlan):
        v = getattr(plan, f.name)
        if isinstance(v, np.ndarray):
            assert v.shape[0] == n, f.name
            if v.dtype.kind == "f" and f.name not in (
                "holdout_mase",
                "holdout_rmsse",
                "holdout_bias",
                "adi",
            ):
                assert not np.isnan(v).any(), f.name
    assert plan.weekly_profile.shape == (n, 7) and plan.fbo_shipment.shape == (n, 3)
    assert plan.method.max() < len(METHOD_NAMES)
    assert np.all(plan.reorder_point >= plan.lead_time_demand_mean - 1e-9)
    assert np.all(plan.order_up_to >= plan.reorder_point)
    assert np.all(plan.suggested_order % snap.pack_size == 0)
    ordered = plan.suggested_order > 0
    assert np.all(plan.suggested_order[ordered] >= snap.moq[ordered])
    assert np.all((plan.stockout_probability >= 0) & (plan.stockout_probability <= 1))
    # FBO sends only for SKUs that sell through FBO (the factory's are all FBS)
    assert np.all(plan.fbo_shipment[snap.current_scheme != FBO] == 0)
    assert isinstance(plan.reasons_of(0), list)


def test_threads_and_chunks_do_not_change_the_result():
    snap = snapshot(n=37, n_days=100, seed=3)
    a = plan_catalogue(snap, PlanParams(chunk_size=8, n_threads=2))
    b = plan_catalogue(snap, PlanParams(chunk_size=1000, n_threads=1))
    for f in ("forecast_mean", "forecast_sd", "reorder_point", "suggested_order", "method"):
        np.testing.assert_allclose(getattr(a, f), getattr(b, f), rtol=1e-6, err_msg=f)


def test_zero_history_gives_zero_suggestion():
    snap = snapshot(n=6, n_days=60)
    snap = dataclasses.replace(snap, demand=np.zeros((6, 60), np.float32))
    plan = plan_catalogue(snap)
    assert np.all(plan.demand_class == NO_DEMAND)
    assert np.all(plan.forecast_mean == 0) and np.all(plan.suggested_order == 0)
    assert np.all(np.isinf(plan.stockout_day))


def test_stockout_mask_raises_the_forecast():
    snap = snapshot(n=5, n_days=120, seed=4)
    demand = np.array(snap.demand, copy=True)
    mask = np.zeros(demand.shape, bool)
    mask[:, -30:] = True
    demand[mask] = 0
    blind = plan_catalogue(dataclasses.replace(snap, demand=demand))
    aware = plan_catalogue(dataclasses.replace(snap, demand=demand, stockout_mask=mask))
    assert np.all(aware.forecast_mean > blind.forecast_mean)


def test_bad_inputs_are_rejected():
    import pytest

    snap = snapshot(n=4, n_days=30)
    with pytest.raises(ValueError, match="moq"):
        plan_catalogue(dataclasses.replace(snap, moq=np.ones(3)))
    with pytest.raises(ValueError, match="stockout_mask"):
        plan_catalogue(dataclasses.replace(snap, stockout_mask=np.zeros((4, 29), bool)))
    with pytest.raises(ValueError):
        PlanParams(service_target="cycle-ish")


def test_eoq_option_gives_an_s_S_policy():
    snap = snapshot(n=20, n_days=120, seed=7)
    params = PlanParams(use_eoq=True, order_cost=500.0, holding_rate_year=0.25)
    plan = plan_catalogue(snap, params)
    sell = plan.forecast_mean > 0
    assert np.all(plan.eoq[sell] > 0)
    np.testing.assert_allclose(plan.order_up_to, plan.reorder_point + plan.eoq)
    idle = plan.inventory_position > plan.reorder_point
    assert np.all(plan.suggested_order[idle] == 0)


def test_stock_at_fbo_counts_in_the_position_and_fbo_sends_follow_the_scheme():
    # given the same SKUs, once with nothing at FBO and once with 1000 units per warehouse,
    # half of them selling through FBO
    base = snapshot(n=6, n_days=120, seed=3)
    enabled = np.array([True, False] * 3)
    empty = dataclasses.replace(
        base,
        fbo=FboSnapshot(
            base.fbo.demand_share, np.zeros((6, 3)), base.fbo.transit_days, enabled=enabled
        ),
    )
    full = dataclasses.replace(
        base,
        fbo=FboSnapshot(
            base.fbo.demand_share, np.full((6, 3), 1000.0), base.fbo.transit_days, enabled=enabled
        ),
    )
    a, b = plan_catalogue(empty), plan_catalogue(full)
    # then FBO stock raises the position, so nothing is reordered and nothing is at risk
    np.testing.assert_allclose(b.inventory_position, a.inventory_position + 3000)
    assert np.all(b.suggested_order == 0) and np.all(b.stockout_probability < 1e-6)
    # FBO sends only where the SKU sells through FBO, and none to full warehouses
    assert np.all(a.fbo_shipment[~enabled] == 0) and a.fbo_shipment[enabled].sum() > 0
    assert np.all(b.fbo_shipment == 0)


def test_recurring_large_orders_stay_in_the_promised_mean():
    # 1 unit a day and an order of 100 every 20th day (phases spread over the SKUs): the
    # forecasts see the 100s clipped to 30 × the median day (30), but the promise is about
    # the demand that comes, (19 · 1 + 100) / 20 = 5.95 a day, not (19 + 30) / 20 = 2.45
    n, t = 200, 300
    y = np.ones((n, t), np.float32)
    for i in range(n):
        y[i, (i % 20) :: 20] = 100
    snap = dataclasses.replace(snapshot(n=n, n_days=t, fbo=False), demand=y)
    plan = plan_catalogue(snap)
    assert np.all(plan.protection_days == 17)
    ratio = plan.promise_mean.sum() / (5.95 * 17 * n)
    assert 0.95 < ratio < 1.05
    assert np.all(plan.forecast_mean < 2.0 * 5.95)


def test_a_spike_is_a_spike_not_a_new_level():
    # one 100,000-unit day 30 days back on a 1-a-day item (the case)
    rng = np.random.default_rng(0)
    y = rng.poisson(1.0, (200, 300)).astype(np.float32)
    y[0, -30] = 100_000
    snap = dataclasses.replace(snapshot(n=200, n_days=300, fbo=False), demand=y)
    plan = plan_catalogue(snap)
    assert 0.5 < plan.forecast_mean[0] < 2.0
    assert plan.reorder_point[0] < 2 * np.median(plan.reorder_point[1:])
    # and the other SKUs' promises are not lifted by it
    clean = plan_catalogue(dataclasses.replace(snap, demand=np.where(y > 1000, 1, y)))
    np.testing.assert_allclose(
        np.median(plan.reorder_point[1:]), np.median(clean.reorder_point[1:]), rtol=0.1
    )


@pytest.mark.parametrize("days_ago", [1, 3, 7, 13])
def test_a_launch_with_one_large_order_gets_a_sane_forecast(days_ago):
    # the launch: a product whose first and only sale, days_ago days back, was one
    # order of 588 units (the former engine forecast 360 a day and a reorder point of 7,064
    # against 482 units sold in the next 28 days).  The 28 kept days before the first sale
    # are its exposure, so the rate is at most 588 / 29 = 20.3 a day (SBA on one sale after
    # 29 usable days: 588 / 29 × 0.95 = 19.26); the other 199 SKUs sell 1 a day
    rng = np.random.default_rng(0)
    y = rng.poisson(1.0, (200, 300)).astype(np.float32)
    y[0] = 0
    y[0, -days_ago] = 588
    snap = dataclasses.replace(snapshot(n=200, n_days=300, fbo=False), demand=y)
    plan = plan_catalogue(snap)
    assert plan.protection_days[0] == 17
    assert 588 / 60 < plan.forecast_mean[0] <= 588 / 29
    # then its promise over the 17 days is that rate, and its reorder point stays below the
    # one order it has seen (it was 12 × that), far above the 1-a-day SKUs'
    assert 17 * 588 / 60 < plan.promise_mean[0] <= 17 * 588 / 29
    assert plan.promise_mean[0] < plan.reorder_point[0] < 588
    assert plan.reorder_point[0] > 10 * np.median(plan.reorder_point[1:])


@pytest.mark.parametrize("days_ago", [27, 40])
def test_a_launch_with_one_large_order_and_nothing_since_is_still_promised_demand(days_ago):
    # the same launch, its one order 27 or 40 days back and nothing sold since: its pairs
    # (forecast ≈ 200–400 units over 17 days, 0 sold) were the only ones in their velocity
    # buckets, so their pools were that SKU's own ratio 0 and it was promised 0 units and a
    # reorder point of 0; the buckets now shrink towards the catalogue's nearest ones
    rng = np.random.default_rng(0)
    y = rng.poisson(1.0, (200, 300)).astype(np.float32)
    y[0] = 0
    y[0, -days_ago] = 588
    snap = dataclasses.replace(snapshot(n=200, n_days=300, fbo=False), demand=y)
    plan = plan_catalogue(snap)
    # the chosen method's rate is at most 588 / 29 a day and decays without sales
    assert 1.0 < plan.forecast_mean[0] <= 588 / 29
    assert plan.promise_mean[0] < plan.reorder_point[0] < 588
    assert plan.reorder_point[0] > np.median(plan.reorder_point[1:])
