"""Forecast functions: hand examples and exact cross-checks against statsforecast."""

import numpy as np
import pytest

from planning.engine import (
    croston,
    holt_damped,
    holt_winters,
    intermittent_forecasts,
    sba,
    ses,
    tsb,
    weekly_profile,
)

from ._factory import intermittent

sf_models = pytest.importorskip("statsforecast.models")


def _ref(model, y):
    return np.array([model.forecast(row, 1)["mean"][0] for row in y])


def test_ses_hand_example():
    # l0 = 2; l1 = .5*4 + .5*2 = 3; l2 = .5*0 + .5*3 = 1.5
    assert ses(np.array([[2.0, 4.0, 0.0]]), 0.5)[0] == pytest.approx(1.5)


def test_croston_sba_hand_example():
    # y = 0 3 0 0 6: sizes 3, 6 -> z = 3 + .1*(6-3) = 3.3; intervals 2, 3 -> p = 2.1
    y = np.array([[0.0, 3.0, 0.0, 0.0, 6.0]])
    assert croston(y)[0] == pytest.approx(3.3 / 2.1)
    assert sba(y)[0] == pytest.approx(0.95 * 3.3 / 2.1)


def test_tsb_hand_example():
    # indicators 0 1 0 0 1 with a_p=.5: .5, .25, .125, .5625; size 3 -> 3 + .2*3 = 3.6
    y = np.array([[0.0, 3.0, 0.0, 0.0, 6.0]])
    assert tsb(y, 0.2, 0.5)[0] == pytest.approx(0.5625 * 3.6)


@pytest.mark.parametrize("seed", [0, 1])
def test_match_statsforecast(seed):
    y = intermittent(30, 90, seed=seed, p=0.25 + 0.2 * seed)
    checks = [
        (ses(y, 0.1), sf_models.SimpleExponentialSmoothing(alpha=0.1)),
        (ses(y, 0.37), sf_models.SimpleExponentialSmoothing(alpha=0.37)),
        (croston(y), sf_models.CrostonClassic()),
        (sba(y), sf_models.CrostonSBA()),
        (tsb(y, 0.1, 0.1), sf_models.TSB(alpha_d=0.1, alpha_p=0.1)),
        (tsb(y, 0.3, 0.05), sf_models.TSB(alpha_d=0.3, alpha_p=0.05)),
    ]
    for ours, model in checks:
        np.testing.assert_allclose(ours, _ref(model, y), rtol=0, atol=1e-12)
    assert croston(y)[0] == 0 and tsb(y, 0.1, 0.1)[0] == 0 and ses(y, 0.2)[0] == 0


def test_single_series_and_float32_input():
    y = intermittent(5, 40, seed=3).astype(np.float32)
    np.testing.assert_allclose(croston(y), _ref(sf_models.CrostonClassic(), y), atol=1e-6)


def test_holt_damped_follows_a_line():
    t = np.arange(60, dtype=float)
    y = (10 + 0.5 * t)[None, :]
    f = holt_damped(y, alpha=0.5, beta=0.3, phi=0.98, horizon=3)
    assert f.shape == (1, 3)
    assert f[0, 0] == pytest.approx(40.0, abs=1.0)  # next value 10 + .5*60
    assert np.all(np.diff(f[0]) > 0)


def test_holt_winters_recovers_weekly_pattern():
    pattern = np.array([5.0, 6, 7, 8, 9, 2, 1])
    y = np.tile(pattern, 20)[None, :]
    f = holt_winters(y, alpha=0.1, beta=0.01, gamma=0.2, phi=0.9, horizon=7)
    np.testing.assert_allclose(f[0], pattern, atol=0.05)  # 140 days = 20 full weeks


def test_weekly_profile_indexing():
    # last column is a Sunday (6); the pattern is Monday-first
    pattern = np.array([2.0, 1, 1, 1, 1, 1, 0])
    y = np.tile(pattern, 10)[None, :]
    prof = weekly_profile(y, end_weekday=6)
    np.testing.assert_allclose(prof[0], pattern / pattern.mean())
    assert weekly_profile(np.zeros((1, 14)))[0].tolist() == [1.0] * 7


@pytest.mark.parametrize(
    "alphas",
    [
        (0.1, 0.1, (0.1, 0.1)),
        (0.37, 0.2, (0.3, 0.05)),
        (1.0, 1.0, (1.0, 1.0)),
        (0.0, 0.0, (0.0, 0.0)),
    ],
)
@pytest.mark.parametrize("n_days", [1, 2, 9, 400])
def test_closed_forms_equal_the_day_by_day_recursion(alphas, n_days):
    from planning.engine.forecast import _recursion

    rng = np.random.default_rng(n_days)
    y = rng.poisson(2.0, (300, n_days)) * (rng.random((300, n_days)) < 0.3) * 1.0
    y[0] = 0  # no demand at all
    y[1, :-1], y[1, -1] = 0, 5  # one sale, on the last day
    y[2] = 3.0  # a sale every day
    ses_a, cro_a, tsb_a = alphas
    got = intermittent_forecasts(y, ses_a, cro_a, tsb_a)
    ref = _recursion(y, ses_a, cro_a, tsb_a)
    for key in ("ses", "croston", "sba", "tsb"):
        np.testing.assert_allclose(got[key], ref[key], rtol=1e-12, atol=1e-12, err_msg=key)
    assert got["croston"][0] == got["tsb"][0] == 0
    assert got["croston"][1] == pytest.approx(5 / n_days)  # size / (index + 1)


def test_public_functions_equal_the_fused_call_in_any_order_and_layout():
    rng = np.random.default_rng(7)
    y = rng.poisson(1.0, (600, 90)).astype(np.float64) * (rng.random((600, 90)) < 0.4)
    ref = intermittent_forecasts(y, 0.2, 0.1, (0.1, 0.3))
    np.testing.assert_array_equal(tsb(y, 0.1, 0.3), ref["tsb"])
    np.testing.assert_array_equal(sba(y), ref["sba"])
    np.testing.assert_array_equal(croston(y), ref["croston"])
    np.testing.assert_array_equal(ses(y, 0.2), ref["ses"])
    # another dtype or memory layout (converted block by block) gives the same figures
    for other in (y.astype(np.float32), np.asfortranarray(y), y.astype(np.int64)):
        np.testing.assert_allclose(croston(other), ref["croston"], rtol=1e-12)
        np.testing.assert_allclose(tsb(other, 0.1, 0.3), ref["tsb"], rtol=1e-12)
        np.testing.assert_allclose(ses(other, 0.2), ref["ses"], rtol=1e-12)
    # an edit in place is seen: nothing is remembered between calls
    y[3, -1] += 40
    assert ses(y, 0.2)[3] == pytest.approx(ref["ses"][3] + 0.2 * 40)
