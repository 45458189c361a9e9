"""The promise a plan states per SKU, and recalibration by level interpolation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import ndtr, ndtri

from planning.engine import (
    PROMISE_LEVELS,
    PlanParams,
    QuantileCalibration,
    apply_calibration,
    calibration_group,
    distribution_quantiles,
    plan_catalogue,
)
from planning.engine.calibration import nominal_level
from planning.engine.schema import DIST_EMPIRICAL, DIST_NEGBIN, DIST_NORMAL, DIST_POISSON

from ._factory import snapshot

LEVELS = np.asarray(PROMISE_LEVELS)


def test_normal_quantiles_by_hand():
    q = distribution_quantiles(LEVELS, np.array([DIST_NORMAL]), [100.0], [10.0], [np.nan], [np.nan])
    # 100 + 10·z for z = 0, 0.8416, 1.2816, 1.6449, 2.3263
    np.testing.assert_allclose(q[0], [100.0, 108.416, 112.816, 116.449, 123.263], atol=1e-3)


def test_poisson_and_negbin_quantiles_by_hand():
    dist = np.array([DIST_POISSON, DIST_NEGBIN])
    # Poisson(4): P(X ≤ 4) = .629, P(X ≤ 6) = .889, P(X ≤ 7) = .949, P(X ≤ 8) = .979,
    # P(X ≤ 10) = .997 (P(X ≤ 9) = .992 ≥ .99)
    # NB(r=1, p=0.5) (geometric, mean 1): P(X ≤ k) = 1 − 0.5^(k+1): 0, 2, 3, 4, 6
    q = distribution_quantiles(
        LEVELS, dist, [4.0, 1.0], [2.0, np.sqrt(2.0)], [np.nan, 1.0], [np.nan, 0.5]
    )
    np.testing.assert_array_equal(q[0], [4, 6, 7, 8, 9])
    np.testing.assert_array_equal(q[1], [0, 2, 3, 4, 6])


def test_no_demand_states_zero():
    q = distribution_quantiles(LEVELS, np.array([DIST_POISSON]), [0.0], [0.0], [np.nan], [np.nan])
    np.testing.assert_array_equal(q, 0)


def test_plan_states_a_promise_from_its_own_distribution():
    snap = snapshot(n=30, n_days=150)
    plan = plan_catalogue(snap, PlanParams(lead_time_demand="model"))
    n = 30
    assert plan.promise_levels == PROMISE_LEVELS
    assert plan.protection_days.dtype == np.int32
    np.testing.assert_array_equal(plan.protection_days, 17)  # L 10 + R 7
    assert plan.promise_quantiles.shape == (n, 5)
    assert np.all(np.diff(plan.promise_quantiles, axis=1) >= 0)
    np.testing.assert_allclose(plan.promise_mean, plan.lead_time_demand_mean)
    np.testing.assert_allclose(plan.calibration_applied, snap.service_level)
    # the 95 % quantile is the reorder point wherever the policy used the same level
    at95 = plan.promise_quantiles[:, 3]
    normal = (plan.distribution == DIST_NORMAL) & (plan.lead_time_demand_mean > 0)
    np.testing.assert_allclose(at95[normal], plan.reorder_point[normal], rtol=1e-9)
    np.testing.assert_allclose(plan.promise_stockout_probability[normal], 0.05, atol=1e-9)
    dsc = ~normal & (plan.lead_time_demand_mean > 0)
    np.testing.assert_allclose(at95[dsc], plan.reorder_point[dsc])
    assert np.all(plan.promise_stockout_probability[dsc] <= 0.05 + 1e-12)
    groups = calibration_group(plan)
    assert set(groups) <= {"A", "B", "C", "new", "slow"}


CAL = QuantileCalibration(
    groups=("A", "slow"),
    levels=(0.8, 0.9, 0.95),
    adjusted=np.array([[0.85, 0.93, 0.97], [0.8, 0.9, 0.95]]),
    n_scored=np.full((2, 3), 500),
)


def test_level_interpolation_by_hand():
    g = np.array(["A", "A", "A", "A", "slow", "B"])
    out = apply_calibration(np.array([0.9, 0.95, 0.92, 0.99, 0.92, 0.92]), g, CAL)
    z = ndtri
    between = ndtr(
        z(0.93) + (z(0.92) - z(0.9)) / (z(0.95) - z(0.9)) * (z(0.97) - z(0.93))
    )  # linear in probit space between the 0.9 and 0.95 knots
    beyond = ndtr(z(0.99) + z(0.97) - z(0.95))  # the last knot's shift carried on
    np.testing.assert_allclose(out, [0.93, 0.97, between, beyond, 0.92, 0.92], atol=1e-7)


@settings(max_examples=50, deadline=None)
@given(st.floats(0.51, 0.995))
def test_nominal_level_inverts_the_calibration(level):
    g = np.array(["A"])
    model = apply_calibration(np.array([level]), g, CAL)
    assert model[0] >= level - 1e-12  # this calibration only widens
    np.testing.assert_allclose(nominal_level(model, g, CAL), [level], atol=1e-6)


@pytest.mark.parametrize("mode", ["model", "empirical"])
def test_calibration_moves_the_reorder_point_of_its_group_only(mode):
    snap = snapshot(n=40, n_days=150)
    params = PlanParams(lead_time_demand=mode)
    base = plan_catalogue(snap, params)
    groups = calibration_group(base)
    cal = QuantileCalibration(
        groups=("A",),
        levels=(0.9, 0.95),
        adjusted=np.array([[0.95, 0.98]]),
        n_scored=np.ones((1, 2)),
    )
    plan = plan_catalogue(snap, params, calibration=cal)
    a = groups == "A"
    assert a.any() and (~a).any()
    np.testing.assert_allclose(plan.calibration_applied[a], 0.98)
    np.testing.assert_allclose(plan.calibration_applied[~a], 0.95)
    assert np.all(plan.reorder_point[a] >= base.reorder_point[a])
    assert np.any(plan.reorder_point[a] > base.reorder_point[a])
    np.testing.assert_array_equal(plan.reorder_point[~a], base.reorder_point[~a])
    # the model's own quantiles are stated unchanged (the audit scores the model)
    np.testing.assert_array_equal(plan.promise_quantiles, base.promise_quantiles)
    # the restated risk of an A SKU is the nominal 5 %, not the model's 2 %
    cont = a & np.isin(plan.distribution, (DIST_NORMAL, DIST_EMPIRICAL))
    cont &= plan.lead_time_demand_mean > 0
    assert cont.any()
    tol = 1e-6 if mode == "model" else 0.006  # the empirical grid has 1/200 steps
    np.testing.assert_allclose(plan.promise_stockout_probability[cont], 0.05, atol=tol)


def test_fill_rate_target_is_not_recalibrated():
    snap = snapshot(n=20, n_days=120)
    plan = plan_catalogue(snap, PlanParams(service_target="fill_rate"), calibration=CAL)
    np.testing.assert_allclose(plan.calibration_applied, snap.service_level)


@pytest.mark.parametrize(
    "cal", [None, QuantileCalibration((), (0.9,), np.zeros((0, 1)), np.zeros((0, 1)))]
)
def test_no_calibration_is_identity(cal):
    lv = np.array([0.8, 0.95])
    np.testing.assert_array_equal(apply_calibration(lv, np.array(["A", "B"]), cal), lv)


def test_empirical_promise_is_the_policy_distribution():
    snap = snapshot(n=30, n_days=200)
    plan = plan_catalogue(snap)
    assert np.all(plan.distribution == DIST_EMPIRICAL)
    assert np.all(np.diff(plan.promise_quantiles, axis=1) >= 0)
    # the reorder point is the 95 % quantile (safety stock ≥ 0 holds here) and its stated
    # risk is 5 % to the grid's resolution, or less where the 95 % quantile sits on an atom
    np.testing.assert_allclose(plan.promise_quantiles[:, 3], plan.reorder_point, rtol=1e-9)
    risk = plan.promise_stockout_probability
    assert np.all(risk <= 0.056) and np.mean(np.abs(risk - 0.05) < 0.006) > 0.8
    np.testing.assert_allclose(plan.promise_mean, plan.lead_time_demand_mean)
    # the daily rate the policy uses is the promised mean per protection day
    np.testing.assert_allclose(plan.forecast_mean, plan.promise_mean / 17, rtol=1e-6)
