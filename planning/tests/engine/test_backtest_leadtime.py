"""Planning with the lead times suppliers really have loses fewer sales than with stated ones."""

import numpy as np

from planning.engine.backtest_leadtime import compare_lead_time_beliefs

from ._factory import snapshot


def test_true_lead_times_beat_optimistic_stated_ones_on_the_same_deliveries():
    snap = snapshot(n=30, n_days=200, seed=3, fbo=False)
    stated = (np.full(30, 10.0), np.full(30, 2.0))
    truth = (np.full(30, 16.0), np.full(30, 5.0))
    results = compare_lead_time_beliefs(
        snap, 56, {"stated": stated, "truth": truth}, truth[0], truth[1], seed=1
    )
    # the same demand in both replays
    assert results["stated"].demand_units.sum() == results["truth"].demand_units.sum()
    lost_stated = results["stated"].lost_units.sum()
    lost_truth = results["truth"].lost_units.sum()
    assert lost_truth < 0.5 * lost_stated
    # ... at the price of more stock
    assert results["truth"].avg_inventory_value.sum() > results["stated"].avg_inventory_value.sum()
