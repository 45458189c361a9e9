"""Backtests at equal stock (planning.engine.frontier)."""

import math

import numpy as np
import pytest

from planning.engine.frontier import (
    FrontierPoint,
    at_equal_cost,
    at_equal_stock,
    efficient_frontier,
    running_cost,
    sweep_policies,
)

from ._factory import snapshot


def _p(policy, setting, fill, value, cancelled=0.0, orders=0.0):
    return FrontierPoint(policy, setting, fill, value, 0.0, cancelled, 0.0, orders)


def test_frontier_drops_beaten_points_by_hand():
    pts = [
        _p("zapas", 0.9, 0.90, 100),
        _p("zapas", 0.8, 0.85, 120),  # more stock, fewer orders filled: beaten
        _p("zapas", 0.95, 0.95, 200),
        _p("naive_min_max", 1, 0.7, 50),
    ]
    got = efficient_frontier(pts, "zapas")
    assert [p.setting for p in got] == [0.9, 0.95]


def test_zapas_read_at_min_max_stock_by_hand():
    pts = [
        _p("zapas", 0.9, 0.90, 100, cancelled=40),
        _p("zapas", 0.95, 0.96, 200, cancelled=10),
        _p("naive_min_max", 2, 0.92, 150, cancelled=60),
        _p("naive_min_max", 4, 0.99, 400, cancelled=5),
    ]
    rows = at_equal_stock(pts)
    # at value 150, halfway between Zapas's points: fill 93 %, 25 cancellations; Zapas
    # reaches 92 % fill at value 100 + (0.02 / 0.06)·100 = 133.3
    assert abs(rows[0]["zapas_fill_rate"] - 0.93) < 1e-12
    assert abs(rows[0]["zapas_cancelled"] - 25) < 1e-9
    assert abs(rows[0]["zapas_value"] - 133.333333) < 1e-5
    # beyond Zapas's sweep: not extrapolated
    assert math.isnan(rows[1]["zapas_fill_rate"]) and math.isnan(rows[1]["zapas_value"])


def test_orders_are_read_at_equal_stock_and_paid_for_at_equal_cost_by_hand():
    # Zapas orders twice as often as min/max: at equal stock it looks better than it is
    pts = [
        _p("zapas", 0.9, 0.90, 1000, cancelled=40, orders=200),
        _p("zapas", 0.95, 0.96, 2000, cancelled=10, orders=180),
        _p("naive_min_max", 2, 0.92, 1500, cancelled=60, orders=95),
    ]
    # at equal stock (value 1500, halfway): 25 cancellations and 190 orders
    (stock,) = at_equal_stock(pts)
    assert stock["zapas_orders"] == 190 and stock["min_max_orders"] == 95
    # 365 days at 20 %/year and 1 per order: min/max costs 300 + 95 = 395; Zapas 400 and 380
    assert running_cost(pts[0], 1.0, 0.2, 365) == 400
    (free,) = at_equal_cost(pts, order_cost=0.0, holding_rate_year=0.2, days=365)
    (paid,) = at_equal_cost(pts, order_cost=1.0, holding_rate_year=0.2, days=365)
    assert free["zapas_cancelled"] == 25 and free["min_max_cost"] == 300
    # with orders paid for, Zapas's cheapest point (400) already costs more than min/max's
    # 395: not reached (at equal stock it had 25 against 60 cancellations)
    assert paid["min_max_cost"] == 395 and math.isnan(paid["zapas_cancelled"])
    # at 0.5 per order: min/max 347.5, Zapas 300 and 490 -> 47.5/190 of the way: 40 - 7.5
    (half,) = at_equal_cost(pts, order_cost=0.5, holding_rate_year=0.2, days=365)
    assert half["zapas_cancelled"] == pytest.approx(40 - 30 * 47.5 / 190)
    assert half["zapas_orders"] == pytest.approx(200 - 20 * 47.5 / 190)


def test_sweep_has_every_setting_and_more_stock_fills_more():
    snap = snapshot(n=20, n_days=150, fbo=False)
    pts = sweep_policies(snap, 28, targets=(0.8, 0.99), multipliers=(1.0, 3.0))
    assert [(p.policy, p.setting) for p in pts] == [
        ("zapas", 0.8),
        ("zapas", 0.99),
        ("naive_min_max", 1.0),
        ("naive_min_max", 3.0),
    ]
    z8, z99, m1, m3 = pts
    assert z99.avg_inventory_value > z8.avg_inventory_value and z99.fill_rate >= z8.fill_rate
    assert m3.avg_inventory_value > m1.avg_inventory_value and m3.fill_rate >= m1.fill_rate
    assert all(0 <= p.fill_rate <= 1 and np.isfinite(p.avg_inventory_value) for p in pts)


def test_value_weighted_levels_by_hand():
    from planning.engine.policy import value_weighted_levels

    # costs 1, 2, 4 with 1, 1, 2 units a day: w̄ = (1·1 + 1·2 + 2·4) / 4 = 2.75
    lv = value_weighted_levels(
        np.full(4, 0.9), np.array([1.0, 2.0, 4.0, 5.0]), np.array([1.0, 1.0, 2.0, 0.0])
    )
    assert np.allclose(lv[:3], [1 - 0.1 / 2.75, 1 - 0.2 / 2.75, 1 - 0.4 / 2.75])
    assert lv[3] == 0.9  # no demand: its target
    # the demand-weighted stock-out risk is the target's
    assert abs(((1 - lv[:3]) * [1, 1, 2]).sum() / 4 - 0.1) < 1e-12
    # a cancelled order of 3 units weighs three times; clipped to [0.5, 0.999]
    lv = value_weighted_levels(
        np.full(2, 0.95), np.array([1.0, 100.0]), np.array([1.0, 1.0]), np.array([1.0, 3.0])
    )
    w_bar = (1 + 300) / 2
    assert np.allclose(lv, [0.999, 1 - 0.05 * 300 / w_bar])
    # w̄ = 334: the dear one would be read at 1 − 0.2·1000/334 = 0.40, clipped to 0.5
    lv = value_weighted_levels(np.full(3, 0.8), np.array([1.0, 1.0, 1000.0]), np.ones(3))
    assert lv[2] == 0.5


def test_sweep_with_value_allocation_replays_zapas_twice():
    # given half the SKUs ten times dearer than the other half
    cost = np.where(np.arange(20) % 2, 1000.0, 100.0)
    snap = snapshot(n=20, n_days=150, fbo=False, unit_cost=cost)
    pts = sweep_policies(
        snap, 28, targets=(0.9,), multipliers=(1.0,), allocations=("target", "value")
    )
    assert [(p.policy, p.setting) for p in pts] == [
        ("zapas", 0.9),
        ("zapas_value", 0.9),
        ("naive_min_max", 1.0),
    ]
    # the same target spread by value holds a different stock
    assert pts[0].avg_inventory_value != pts[1].avg_inventory_value
    rows = at_equal_stock(pts, "zapas_value")
    assert len(rows) == 1 and rows[0]["multiplier"] == 1.0


def test_an_unknown_allocation_is_refused():
    import pytest

    with pytest.raises(ValueError, match="unknown allocation"):
        sweep_policies(snapshot(n=5, n_days=60, fbo=False), 14, allocations=("cost",))
