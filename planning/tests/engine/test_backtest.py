"""Policy replay: a deterministic hand example and Zapas vs the naive min/max."""

import numpy as np
import pytest

from planning.engine import compare_policies, naive_min_max, simulate_policy

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
