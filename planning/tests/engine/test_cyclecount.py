"""Cycle-count selection on hand-built cells (exact values)."""

import numpy as np
import pytest

from planning.engine.cyclecount import cycle_count_plan


def test_most_urgent_due_cells_within_the_daily_budget():
    plan = cycle_count_plan(
        warehouse=np.array([0, 0, 0, 0, 0, 1]),
        daily_value=np.array([100.0, 10, 5, 1, 0, 50]),
        days_since_count=np.array([29, 70, np.nan, 100, 130, 5]),
        counts=np.array([2, 1, 0, 4, 0, 1]),
        counts_with_variance=np.array([1, 0, 0, 2, 0, 0]),
        budget=3,
    )
    # classes within each warehouse: 100 is A, 10 and 5 are B (the one crossing 95 % too), 1 and 0 C
    assert plan.abc.tolist() == [0, 1, 1, 2, 2, 0]
    # 29/30·1.5; 70/60; never counted 365/60; 100/120·1.5; 130/120; 5/30
    assert plan.urgency.tolist() == pytest.approx(
        [1.45, 70 / 60, 365 / 60, 1.25, 130 / 120, 5 / 30]
    )
    assert plan.rank.tolist() == [2, 0, 1, 3, 0, 0]
    assert plan.selected.tolist() == [True, False, True, True, False, False]


def test_nothing_due_means_an_empty_list_and_budget_zero_counts_nothing():
    kw = dict(
        warehouse=np.array([0, 0]),
        daily_value=np.array([1.0, 1.0]),
        days_since_count=np.array([1.0, np.nan]),
        counts=np.array([1, 0]),
        counts_with_variance=np.array([0, 0]),
    )
    assert cycle_count_plan(budget=5, **kw).rank.tolist() == [0, 1]
    assert not cycle_count_plan(budget=0, **kw).selected.any()
