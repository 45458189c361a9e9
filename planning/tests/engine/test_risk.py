"""Stock-out probability, expected shortage and cancellations, cover and run-out day."""

import numpy as np
import pytest
from scipy import stats

from planning.engine import PlanParams, days_of_cover, stockout_day, stockout_risk
from planning.engine.risk import receipts_schedule
from planning.engine.schema import FBO, FBS


def _risk(d, sd, available, discrete=False, scheme=FBO, prep=0.0, rq=None, rd=None, upo=2.0):
    n = len(d)
    one = np.ones(n)
    if rq is None:
        rq, rd = np.zeros((n, 0)), np.zeros((n, 0))
    return stockout_risk(
        mean_daily=np.asarray(d, float),
        sd_daily=np.asarray(sd, float),
        lead_time_mean=4 * one,
        lead_time_sd=0 * one,
        fbs_prep_days=prep * one,
        scheme=np.full(n, scheme),
        available=np.asarray(available, float),
        receipts_qty=rq,
        receipts_day=rd,
        mean_units_per_order=upo * one,
        discrete=np.full(n, discrete),
        weekly_profile=np.ones((n, 7)),
        end_weekday=6,
        params=PlanParams(),
    )


def test_normal_textbook_example():
    # L = 4 days, d = 10, σd = 5: μ = 40, σ = 10; A = 50 -> P = 1 − Φ(1), E = 10·G(1)
    r = _risk([10.0], [5.0], [50.0])
    assert r.stockout_probability[0] == pytest.approx(1 - stats.norm.cdf(1.0))
    assert r.expected_units_short[0] == pytest.approx(10 * 0.0833155, rel=1e-5)
    assert r.expected_cancelled_orders[0] == pytest.approx(r.expected_units_short[0] / 2)
    assert r.days_of_cover[0] == 5.0 and r.stockout_day[0] == 6.0


def test_fbs_horizon_adds_prep_days_and_receipts_count():
    base = _risk([10.0], [5.0], [50.0], scheme=FBS, prep=2.0)
    assert base.horizon_days[0] == 6.0
    rq, rd = np.array([[30.0, 100.0]]), np.array([[3.0, 9.0]])
    more = _risk([10.0], [5.0], [50.0], scheme=FBS, prep=2.0, rq=rq, rd=rd)
    assert more.stockout_probability[0] < base.stockout_probability[0]
    # run-out: 50 on hand + 30 usable from day 4 -> cumulative demand 90 > 80 on day 9
    assert more.stockout_day[0] == 9.0


def test_poisson_lead_time_demand():
    # d = 0.5/day over 4 days: Poisson(2); 3 units on hand
    r = _risk([0.5], [np.sqrt(0.5)], [3.0], discrete=True)
    assert r.stockout_probability[0] == pytest.approx(stats.poisson.sf(3, 2.0))
    brute = sum((k - 3) * stats.poisson.pmf(k, 2.0) for k in range(4, 60))
    assert r.expected_units_short[0] == pytest.approx(brute)


def test_no_demand_no_risk_and_defaults():
    r = _risk([0.0], [0.0], [0.0])
    assert r.stockout_probability[0] == 0 and r.expected_units_short[0] == 0
    assert np.isinf(r.stockout_day[0])
    assert days_of_cover(np.array([5.0, 0.0]), np.array([0.0, 0.0])).tolist() == [np.inf, 0.0]
    qty, day = receipts_schedule(np.array([7.0]), np.array([3.0]), np.array([10.5]))
    assert qty.tolist() == [[3.0, 7.0]] and day.tolist() == [[0.0, 10.0]]


def test_stockout_day_uses_weekly_profile():
    # last history day Sunday -> day 1 Monday; only weekdays sell 2/day (profile 1.4 × 10/7)
    prof = np.array([[1.4, 1.4, 1.4, 1.4, 1.4, 0, 0]])
    out = stockout_day(
        np.array([5.0]), np.array([10 / 7]), prof, 6, np.zeros((1, 0)), np.zeros((1, 0))
    )
    assert out[0] == 3.0  # 2, 4, 6 > 5 on Wednesday
