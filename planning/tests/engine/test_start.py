"""How a history starts: the leading days kept before the first sale and the warm-up start."""

import numpy as np
import pytest

from planning.engine import PlanParams, clean_demand, fit_select, syntetos_boylan
from planning.engine.schema import M_CROSTON, M_SES, M_TSB, METHOD_NAMES


def _only(method: int, **kw) -> PlanParams:
    allowed = tuple(tuple(j == method for j in range(len(METHOD_NAMES))) for _ in range(5))
    return PlanParams(allowed=allowed, lead_time_demand="model", **kw)


def _forecast(y: np.ndarray, params: PlanParams) -> float:
    y = np.asarray(y, np.float64)[None, :]
    yc, valid = clean_demand(y, None, None, params.trim_leading_zeros, params.keep_leading_days)
    cls, _, _ = syntetos_boylan(yc, valid)
    return float(fit_select(yc, valid, cls, params, 6).forecast_mean[0])


def test_trimming_keeps_the_last_leading_days_before_the_first_sale():
    y = np.array([[0, 0, 0, 0, 5, 0, 1.0]])
    _, valid = clean_demand(y, keep_leading_days=2)
    assert valid[0].tolist() == [False, False, True, True, True, True, True]
    _, valid = clean_demand(y, keep_leading_days=9)
    assert valid.all()
    _, valid = clean_demand(y)
    assert valid[0].tolist() == [False] * 4 + [True] * 3


def test_the_warm_up_starts_as_the_running_mean_not_at_the_first_sale():
    # given one 10-unit sale and 30 days without a sale (no leading days kept)
    y = np.r_[10.0, np.zeros(30)]
    # when SES (α 0.05) starts warm: the mean of the first 20 days is 10 / 20, then 11
    # days of plain smoothing
    warm = _forecast(y, _only(M_SES, keep_leading_days=0))
    assert warm == pytest.approx(0.5 * 0.95**11, rel=1e-5)
    # a cold start keeps the first sale at weight 0.95³⁰ (8 times as much)
    cold = _forecast(y, _only(M_SES, keep_leading_days=0, warm_start=False))
    assert cold == pytest.approx(10 * 0.95**30, rel=1e-5)
    # TSB's demand probability (α_p 0.05) starts at the share of demand days, not at 1
    tsb_warm = _forecast(y, _only(M_TSB, keep_leading_days=0))
    assert tsb_warm == pytest.approx(10 * 0.05 * 0.95**11, rel=1e-5)


def test_leading_days_give_the_first_sale_its_exposure():
    # given 40 days before a 10-unit first sale, then 20 days without a sale
    y = np.r_[np.zeros(40), 10.0, np.zeros(20)]
    # then Croston's first interval counts the 28 kept days: 10 units every 29 days
    assert _forecast(y, _only(M_CROSTON)) == pytest.approx(10 / 29, rel=1e-5)
    # instead of 10 units a day when the history starts on the sale
    assert _forecast(y, _only(M_CROSTON, keep_leading_days=0)) == pytest.approx(10.0, rel=1e-5)
    # and SES, past its 20-day warm-up at zero, gives the sale the weight α: 0.5, then 20
    # more days of smoothing (not 10 × 0.95²⁰ = 3.6)
    assert _forecast(y, _only(M_SES)) == pytest.approx(0.5 * 0.95**20, rel=1e-5)
