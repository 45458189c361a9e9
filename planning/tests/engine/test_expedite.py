"""Backup supplier / expedite choice on hand-built options (exact values)."""

import numpy as np
import pytest

from planning.engine.expedite import choose_expedite, option_costs
from planning.engine.stats import normal_loss


def test_faster_backup_is_suggested_when_the_primary_arrives_after_the_stock_out():
    # options: SKU 0 primary 10 d / backup 4 d; SKU 1 primary 3 d / backup 2 d;
    # SKU 2 primary 10 d / backup 8 d at a price that makes it dearer in total
    sku = np.array([0, 0, 1, 1, 2, 2])
    costs = option_costs(
        sku=sku,
        lead_mean=np.array([10.0, 4, 3, 2, 10, 8]),
        lead_sd=np.zeros(6),
        unit_cost=np.array([5.0, 7, 5, 7, 5, 500]),
        quantity=np.array([100, 100, 100]),
        demand_mean=np.array([10.0, 10, 10]),
        demand_sd=np.zeros(3),
        stock=np.array([50.0, 50, 50]),
        units_per_order=np.ones(3),
        cancel_penalty=150.0,
    )
    # SKU 0: 100 demanded over 10 days against 50 in stock → 50 short, 50 cancelled orders
    assert costs.units_short.tolist() == [50, 0, 0, 0, 50, 30]
    assert costs.total_cost.tolist() == [500 + 50 * 150, 700, 500, 700, 8000, 50000 + 30 * 150]
    choice = choose_expedite(
        sku=sku,
        is_primary=np.array([True, False, True, False, True, False]),
        lead_mean=np.array([10.0, 4, 3, 2, 10, 8]),
        total_cost=costs.total_cost,
        days_of_cover=np.array([5.0, 5.0, 5.0]),
        n_skus=3,
    )
    assert choice.primary.tolist() == [0, 2, 4]
    assert choice.backup.tolist() == [1, -1, -1]


def test_lead_time_spread_raises_the_expected_shortfall():
    costs = option_costs(
        sku=np.array([0]),
        lead_mean=np.array([5.0]),
        lead_sd=np.array([2.0]),
        unit_cost=np.array([1.0]),
        quantity=np.array([10]),
        demand_mean=np.array([4.0]),
        demand_sd=np.array([1.0]),
        stock=np.array([20.0]),
        units_per_order=np.array([2.0]),
        cancel_penalty=100.0,
    )
    sigma = np.sqrt(5 * 1 + 16 * 4)
    assert costs.units_short[0] == pytest.approx(sigma * normal_loss(0.0))
    assert costs.cancelled_orders[0] == pytest.approx(sigma * normal_loss(0.0) / 2)
