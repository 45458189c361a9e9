"""One-pass candidate fitting, rolling-origin selection and censored demand."""

import numpy as np
import pytest

from planning.engine import PlanParams, clean_demand, croston, fit_select, ses, syntetos_boylan, tsb
from planning.engine.schema import (
    M_CROSTON,
    M_SES,
    M_TSB,
    METHOD_NAMES,
    SEASONAL_METHODS,
)

from ._factory import intermittent


def _only(method: int, **kw) -> PlanParams:
    # the plain recursions of the reference functions: no warm-up start (unless asked)
    allowed = tuple(tuple(j == method for j in range(len(METHOD_NAMES))) for _ in range(5))
    kw = {"warm_start": False, "trim_leading_zeros": False, **kw}
    return PlanParams(allowed=allowed, **kw)


def _select(y, params=None, valid=None, end_weekday=6):
    params = params or PlanParams()
    if valid is None:
        y, valid = clean_demand(y, trim_leading_zeros=params.trim_leading_zeros)
    cls, _, _ = syntetos_boylan(y, valid)
    return fit_select(y, valid, cls, params, end_weekday)


def test_one_pass_states_equal_the_reference_functions():
    y = intermittent(20, 100, seed=5)
    valid = np.ones(y.shape, bool)
    r = _select(y, _only(M_SES, ses_alphas=(0.3,)), valid)
    np.testing.assert_allclose(r.forecast_mean, ses(y, 0.3), rtol=1e-5, atol=1e-6)
    r = _select(y, _only(M_CROSTON), valid)
    np.testing.assert_allclose(r.forecast_mean, croston(y), rtol=1e-5, atol=1e-6)
    r = _select(y, _only(M_TSB, tsb_params=((0.2, 0.1),)), valid)
    np.testing.assert_allclose(r.forecast_mean, tsb(y, 0.2, 0.1), rtol=1e-5, atol=1e-6)


def test_weekly_seasonal_series_gets_a_seasonal_method_and_profile():
    rng = np.random.default_rng(0)
    pattern = np.array([12.0, 10, 10, 10, 14, 4, 2])  # Monday..Sunday
    n_days = 7 * 30  # day 0 is a Monday, so the last day is a Sunday
    y = rng.poisson(np.tile(pattern, 30)[None, :] * np.ones((8, 1))).astype(float)
    r = _select(y, PlanParams(weekly_shrink=0.0), end_weekday=6)
    assert all(int(m) in SEASONAL_METHODS for m in r.method)
    np.testing.assert_allclose(r.weekly_profile.mean(axis=0), pattern / pattern.mean(), atol=0.12)
    assert r.forecast_mean.mean() == pytest.approx(pattern.mean(), rel=0.1)
    assert r.forecast_mean == pytest.approx(np.full(8, pattern.mean()), rel=0.3)
    assert n_days == y.shape[1]
    shrunk = _select(y, PlanParams(weekly_shrink=0.5, allowed=_only(7).allowed), end_weekday=6)
    assert np.all(np.ptp(shrunk.weekly_profile, axis=1) < np.ptp(r.weekly_profile, axis=1))


def test_censored_days_are_not_read_as_zero_demand():
    n_days = 140
    y = np.full((3, n_days), 10.0)
    mask = np.zeros(y.shape, bool)
    mask[:, 60:90] = True
    mask[:, -10:] = True
    y[mask] = 0  # stocked out: nothing sold
    lost = np.full(y.shape, np.nan)
    lost[2][mask[2]] = 10.0  # row 2: lost demand recorded
    naive = _select(y)
    cy, cv = clean_demand(y, mask, None)
    censored = _select(cy, valid=cv)
    cy2, cv2 = clean_demand(y, mask, lost)
    recovered = _select(cy2, valid=cv2)
    assert naive.forecast_mean[0] < 8
    assert censored.forecast_mean[0] == pytest.approx(10.0, abs=1e-3)
    assert recovered.forecast_mean[2] == pytest.approx(10.0, abs=1e-3)
    assert cv2[2].all() and not cv[2, 60:90].any()


def test_leading_zeros_are_trimmed():
    y = np.zeros((1, 200))
    y[0, 120:] = 5.0
    r = _select(y)
    assert r.forecast_mean[0] == pytest.approx(5.0, abs=1e-3)
    cls, adi, _ = syntetos_boylan(*clean_demand(y))
    assert adi[0] == 1.0


def test_no_demand_and_metrics():
    y = intermittent(12, 150, seed=2)
    r = _select(y)
    assert r.forecast_mean[0] == 0 and r.forecast_sd[0] == 0
    ok = np.isfinite(r.rmsse)
    assert ok[4:].all() and np.all(r.rmsse[ok] > 0) and np.all(np.isfinite(r.mase[ok]))
    assert np.all(r.forecast_sd >= np.sqrt(r.forecast_mean) - 1e-6)
    assert r.weekly_profile.shape == (12, 7)
    np.testing.assert_allclose(r.weekly_profile.mean(axis=1), 1, atol=1e-5)


def test_selection_respects_the_class_limits():
    y = intermittent(30, 150, seed=4, p=0.15)
    yy, valid = clean_demand(y)
    cls, _, _ = syntetos_boylan(yy, valid)
    r = fit_select(yy, valid, cls, PlanParams())
    allowed = np.asarray(PlanParams().allowed, bool)
    assert all(allowed[c, m] for c, m in zip(cls, r.method, strict=True))


def test_mase_selection_metric_runs():
    y = intermittent(10, 120, seed=6)
    r = _select(y, PlanParams(selection_metric="mase"))
    assert np.isfinite(r.forecast_mean).all()


def test_running_sum_equals_numpy_cumsum_down_the_days():
    from planning.engine.selection import _running_sum

    rng = np.random.default_rng(3)
    a = rng.random((40, 9)).astype(np.float32)
    np.testing.assert_array_equal(
        _running_sum(a, np.empty((40, 9))), np.cumsum(a, axis=0, dtype=np.float64)
    )
    np.testing.assert_array_equal(
        _running_sum(a, np.empty((40, 9), np.float32)), np.cumsum(a, axis=0)
    )
    assert _running_sum(a[:0], np.empty((0, 9))).shape == (0, 9)
