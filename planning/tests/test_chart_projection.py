"""The SKU chart's stock projection under lost sales: never below zero, lost demand apart."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from planning.charts import projected_on_hand, projected_stock


def test_lost_demand_is_not_a_backlog():
    on_hand, lost = projected_stock(
        available=3,
        forecast=np.array([2.0, 2.0, 2.0, 2.0]),
        arrivals_by_day=np.array([0, 0, 0, 5, 0]),
    )
    assert on_hand.tolist() == [3, 1, 0, 5, 3]
    assert lost.tolist() == [0, 1, 2, 0]


def test_negative_available_starts_from_zero():
    on_hand = projected_on_hand(
        available=-4, forecast=np.array([1.0]), arrivals_by_day=np.array([0.0, 0.0])
    )
    assert on_hand.tolist() == [0, 0]


@given(
    available=st.floats(0, 1000),
    demand=st.lists(st.floats(0, 50), min_size=1, max_size=40),
    data=st.data(),
)
def test_stock_is_conserved_and_never_negative(available, demand, data):
    forecast = np.array(demand)
    arrivals = np.array(
        data.draw(st.lists(st.floats(0, 100), min_size=len(demand) + 1, max_size=len(demand) + 1))
    )
    on_hand, lost = projected_stock(
        available=available, forecast=forecast, arrivals_by_day=arrivals
    )
    assert (on_hand >= 0).all() and (lost >= 0).all()
    sold = forecast - lost
    assert np.isclose(on_hand[-1], available + arrivals.sum() - sold.sum())
    assert np.all(lost <= forecast + 1e-9)


@pytest.mark.django_db
def test_the_chart_draws_lost_demand_as_its_own_series_and_no_stock_below_zero():
    from planning.admin_selectors import sku_chart_data
    from planning.charts import sku_plan_chart
    from planning.tests.admin_data import planning_state

    data = sku_chart_data(sku_plan=planning_state().plans["ADM-BOOT"])
    svg = sku_plan_chart(data, fmt="svg")
    assert b"Lost demand 20" in svg
    assert b"Short" not in svg
    assert data.projected_on_hand.min() == 0
