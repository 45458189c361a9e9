"""Policy replay: a deterministic hand example and Zapas vs the naive min/max."""

import numpy as np
import pytest

from planning.engine import compare_policies, naive_min_max, simulate_policy
from planning.engine.backtest import first_possible_arrival

from ._factory import snapshot


def test_deterministic_order_up_to_replay():
    # 2 units/day, L = 2 (sd 0), R = 1, S = 6: order every day, never short
    demand = np.full((1, 30), 2.0)
    res = simulate_policy(demand, [6.0], [6.0], [2.0], [0.0], [1.0], [10.0])
    assert res.fill_rate[0] == 1.0 and res.stockout_days[0] == 0
    assert res.cycle_service_level[0] == 1.0
    # too low a level: S = 3 covers 1.5 days of a 3-day protection period
    low = simulate_policy(demand, [3.0], [3.0], [2.0], [0.0], [1.0], [10.0])
    assert low.fill_rate[0] < 1 and low.lost_units[0] > 0 and low.stockout_days[0] > 0
    assert low.fill_rate[0] == pytest.approx(1 - low.lost_units[0] / 60)
    assert low.avg_inventory_value[0] < res.avg_inventory_value[0]


def test_zero_demand_is_perfect_service():
    res = simulate_policy(np.zeros((2, 10)), [0, 0], [0, 0], [3, 3], [1, 1], [7, 7], [1, 1])
    assert res.fill_rate.tolist() == [1.0, 1.0] and res.lost_units.sum() == 0


def test_naive_min_max():
    lo, hi = naive_min_max(np.full((1, 100), 3.0), np.array([5.0]), np.array([2.0]))
    assert lo[0] == 21.0 and hi[0] == 42.0


def test_compare_policies_runs_and_zapas_meets_its_target_better():
    snap = snapshot(n=30, n_days=200, seed=1)
    out = compare_policies(snap, test_days=56)
    z, n = out["zapas"].summary(), out["naive_min_max"].summary()
    assert set(z) == {
        "fill_rate",
        "cycle_service_level",
        "stockout_days",
        "lost_units",
        "avg_inventory_value",
    }
    assert z["fill_rate"] > n["fill_rate"]
    assert z["fill_rate"] > 0.9


def test_first_possible_arrival_by_hand():
    # 20 days of history, 28 test days, weekly replans, lead time 3 (rounded from 2.6):
    # SKU 0 sold before the window → 0; SKU 1 first sold on test day 9 → replan day 14 sees it,
    # the order is placed after day 14's sales and is sellable on 14 + 3 + 1 = 18; SKU 2 first
    # sold on day 7 (a replan day, whose plan sees only the days before) → 14 + 4 = 18 too;
    # SKU 3 on day 25 → 28 + 4 past the window → 28; SKU 4 never sold → 28
    y = np.zeros((5, 48))
    y[0, 3] = y[1, 20 + 9] = y[2, 20 + 7] = y[3, 20 + 25] = 1.0
    reach = first_possible_arrival(y, 28, np.full(5, 2.6))
    assert reach.tolist() == [0, 18, 18, 28, 28]


def test_count_from_sums_demand_and_lost_units_from_that_day():
    # nothing on the shelf and a level of 0 until day 5, then S = 10 with L = 1: days 0–4 are
    # lost (5 units); on day 5 (a review, R = 5) an order of 10 arrives on day 7, so days 5
    # and 6 are lost too and the rest is served
    demand = np.ones((1, 20))
    lo = np.where(np.arange(20) < 5, 0.0, 5.0)[None, :]
    hi = np.where(np.arange(20) < 5, 0.0, 10.0)[None, :]
    res = simulate_policy(demand, lo, hi, [1.0], [0.0], [5.0], [1.0], count_from=np.array([5]))
    assert res.lost_units[0] == 7.0
    assert res.demand_from[0] == 15.0 and res.lost_from[0] == 2.0
    # without count_from the fields stay None and nothing else changes
    plain = simulate_policy(demand, lo, hi, [1.0], [0.0], [5.0], [1.0])
    assert plain.demand_from is None and plain.lost_from is None
    assert plain.lost_units[0] == 7.0 and plain.fill_rate[0] == res.fill_rate[0]


def test_a_lifted_reorder_point_orders_before_a_ramp_empties_the_shelf():
    # s = 10, S = 30 (a lot of 20), lead time 2 days exactly, daily review, start at S = 30;
    # demand 5, 5, 5, 5, then 10 a day. Plain (s, S): the position reaches s = 10 at the end
    # of day 3, the 20 units arrive on day 6 (3 + 2 + 1), day 4 sells the last 10, day 5
    # loses 10 (a second order on day 6). Lifted by half a lot (s = 20, the same S): 10 units
    # ordered on day 1 arrive on day 4, 10 from day 3 on day 6, so nothing is lost (orders on
    # days 1, 3, 4, 5 and 6)
    demand = np.array([[5.0, 5, 5, 5, 10, 10, 10]])
    one = np.ones(1)
    args = (2 * one, 0 * one, one, one)
    plain = simulate_policy(demand, 10 * one, 30 * one, *args)
    lifted = simulate_policy(demand, 20 * one, 30 * one, *args)
    assert plain.lost_units.tolist() == [10.0]
    assert plain.orders.tolist() == [2.0]
    assert lifted.lost_units.tolist() == [0.0]
    assert lifted.orders.tolist() == [5.0]
    # end-of-day stock 25, 20, 15, 10, 0, 0, 10 against 25, 20, 15, 10, 10, 0, 0: the same mean
    assert plain.avg_inventory_value.tolist() == pytest.approx([80 / 7])
    assert lifted.avg_inventory_value.tolist() == pytest.approx([80 / 7])
