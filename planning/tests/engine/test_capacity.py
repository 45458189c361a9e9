"""Packing capacity and the due-orders outlook on hand-built days (exact values)."""

import numpy as np
import pytest

from planning.engine.capacity import capacity_outlook, expected_due, learned_capacity
from planning.engine.prep import calendar_index

# Mon–Fri working, two weeks from a Monday
WORK = np.array([[True] * 5 + [False] * 2 + [True] * 5 + [False] * 2] * 2)


def test_capacity_is_the_busy_days_throughput_per_working_hour():
    # warehouse 0 packed 10 working days with 10, 20, …, 100 orders; 7 on a Saturday (ignored)
    per_day = {d: 10 * (k + 1) for k, d in enumerate([0, 1, 2, 3, 4, 7, 8, 9, 10, 11])}
    days = np.concatenate([np.full(n, d) for d, n in per_day.items()] + [np.full(7, 5)])
    rate, measured = learned_capacity(
        warehouse=np.zeros(days.size, dtype=int), packed_day=days, working=WORK, hours_per_day=9
    )
    # 90th percentile (inverted CDF) of 10 … 100 = 90 → 10 orders an hour
    assert rate[0] == pytest.approx(10.0)
    assert np.isnan(rate[1])
    assert measured.tolist() == [10, 0]


def test_expected_orders_fall_due_after_their_prep_days():
    cal = calendar_index(WORK[:1])
    arrivals = np.zeros((1, 2, 14))
    arrivals[0, 0, 0] = 5  # Monday, prep 0: due Monday
    arrivals[0, 1, 3] = 4  # Thursday, prep 2: due next Monday (day 7)
    arrivals[0, 1, 5] = 3  # Saturday, prep 2: day 0 = Monday → due Wednesday (day 9)
    arrivals[0, 1, 11] = 8  # Friday, prep 2: due beyond the horizon, dropped
    due = expected_due(calendar=cal, arrivals=arrivals, prep_days=np.array([0, 2]))
    expected = np.zeros(14)
    expected[[0, 7, 9]] = [5, 4, 3]
    assert due[0].tolist() == expected.tolist()


def test_days_over_capacity_and_extra_packer_hours():
    open_due = np.array([[50, 20, 0, 0, 0, 0, 0]])
    expected = np.array([[30, 20, 95, 10, 0, 40, 0]])
    out = capacity_outlook(
        open_due=open_due,
        expected=expected,
        working=np.array([[True] * 5 + [False] * 2]),
        orders_per_hour=np.array([10.0]),
        hours_per_day=9,
        packers=np.array([2]),
    )
    # capacity 90 a working day; Monday 80 fits, Wednesday 95 is 5 over: 5 ÷ (10/2) = 1 h;
    # Saturday's 40 meet no capacity at all: 8 packer-hours
    assert out.capacity[0].tolist() == [90, 90, 90, 90, 90, 0, 0]
    assert out.over[0].tolist() == [False, False, True, False, False, True, False]
    assert out.excess[0].tolist() == [0, 0, 5, 0, 0, 40, 0]
    assert out.extra_packer_hours[0].tolist() == [0, 0, 1.0, 0, 0, 8.0, 0]
