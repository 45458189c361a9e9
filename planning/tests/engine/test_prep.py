"""Prep-time recommendation on a hand-built week of orders (exact values)."""

import numpy as np
import pytest

from planning.engine.prep import (
    calendar_index,
    recommend_prep_days,
    required_prep_days,
    working_hours,
)

H = 3600
# one warehouse, window from Monday: Mon–Fri work, Sat and Sun off, two weeks
WORKING = np.array([[True] * 5 + [False] * 2 + [True] * 5 + [False] * 2])
CAL = calendar_index(WORKING)
# (accepted day, hour) → (handed over day, hour)
ORDERS = [
    ((0, 10), (0, 13)),  # Mon before the 14:00 cut-off, out the same day: 0 days
    ((0, 10), (0, 15)),  # out after the cut-off: met Tuesday's → 1 day
    ((0, 15), (1, 12)),  # came after the cut-off: day 0 is Tuesday → 0 days
    ((4, 10), (5, 10)),  # Fri → Saturday (not a working day): Monday's cut-off → 1 day
    ((5, 12), (9, 16)),  # Sat (day 0 = Mon) → Wed after the cut-off: met Thursday's → 3 days
]


def _arrays():
    a = np.array([o[0] for o in ORDERS])
    h = np.array([o[1] for o in ORDERS])
    return a[:, 0], a[:, 1] * H, h[:, 0], h[:, 1] * H


def test_calendar_index_counts_and_next_working_day():
    assert CAL.before[0, :8].tolist() == [0, 1, 2, 3, 4, 5, 5, 5]
    assert CAL.next_working[0, 4:8].tolist() == [4, 7, 7, 7]
    assert CAL.next_working[0, 14] == 14  # beyond the window counts as working


def test_required_prep_days_follow_the_deadline_rule():
    ad, asec, hd, hsec = _arrays()
    req = required_prep_days(
        calendar=CAL,
        warehouse=np.zeros(5, dtype=int),
        accepted_day=ad,
        accepted_seconds=asec,
        handed_day=hd,
        handed_seconds=hsec,
        cutoff_seconds=np.array([14 * H]),
    )
    assert req.tolist() == [0, 1, 0, 1, 3]


def test_working_hours_between_acceptance_and_hand_over():
    ad, asec, hd, hsec = _arrays()
    kw = dict(
        calendar=CAL,
        warehouse=np.zeros(5, dtype=int),
        day_start_seconds=9 * H,
        day_end_seconds=18 * H,
    )
    hours = working_hours(day=hd, seconds=hsec, **kw) - working_hours(day=ad, seconds=asec, **kw)
    # 3; 5; Mon 15–18 + Tue 9–12 = 6; Fri 10–18 = 8; Mon + Tue (9 h each) + Wed 9–16 = 25
    assert hours.tolist() == [3.0, 5.0, 6.0, 8.0, 25.0]


def test_late_share_table_and_recommendation():
    rec = recommend_prep_days(
        group=np.zeros(5, dtype=int),
        required_days=np.array([0, 1, 0, 1, 3]),
        current_days=np.ones(5, dtype=int),
        hours=np.array([3.0, 5.0, 6.0, 8.0, 25.0]),
        n_groups=2,
        max_days=5,
        target_late_share=0.02,
    )
    assert rec.orders.tolist() == [5, 0]
    assert rec.late_share[0].tolist() == pytest.approx([0.6, 0.2, 0.2, 0.0, 0.0, 0.0])
    assert np.isnan(rec.late_share[1]).all()
    assert rec.late_now[0] == pytest.approx(0.2)
    assert rec.recommended_days[0] == 3
    assert rec.hours_p50[0] == 6.0 and rec.hours_p90[0] == 25.0
    loose = recommend_prep_days(
        group=np.zeros(5, dtype=int),
        required_days=np.array([0, 1, 0, 1, 3]),
        current_days=np.ones(5, dtype=int),
        hours=np.ones(5),
        n_groups=1,
        target_late_share=0.25,
    )
    assert loose.recommended_days[0] == 1
