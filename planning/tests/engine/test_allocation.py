"""Stock spread over the SKUs for the fewest expected cancellations (policy.allocate_levels)."""

import dataclasses

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from planning.engine import PlanParams, plan_catalogue
from planning.engine.plan import replenishment_levels
from planning.engine.policy import (
    LOG_LAMBDAS,
    allocate_levels,
    allocation_log_lambda,
    allocation_spend,
)

from ._factory import snapshot


def _uniform(top):
    """Quantiles of X ~ U(0, top): q(p) = top·p."""
    return lambda lv: np.asarray(top) * lv


def test_allocation_by_hand():
    # three SKUs, demand over P ~ U(0, 100) each, costs 1, 2, 1, a cancelled order of 1, 1, 2
    # units: w = c·u = (1, 2, 2).  At 0.9 each the stock is 90 + 180 + 90 = 360; levels
    # 1 − λw spend 100(1 − λ) + 200(1 − 2λ) + 100(1 − 2λ) = 400 − 700λ = 360: λ = 2/35
    lv = allocate_levels(
        np.full(3, 0.9), _uniform([100.0] * 3), np.array([1.0, 2.0, 1.0]), np.array([1, 1, 2.0])
    )
    assert np.allclose(lv, [1 - 2 / 35, 1 - 4 / 35, 1 - 4 / 35], atol=1e-9)
    # units short E[(X − s)⁺] = 100(1 − p)²/2 per SKU, cancellations ÷ u: 0.5 + 0.5 + 0.25 =
    # 1.25 at the target against 50·(4 + 16 + 8) / 35² = 8/7 allocated
    short = 100 * (1 - lv) ** 2 / 2 / np.array([1, 1, 2.0])
    assert abs(short.sum() - 8 / 7) < 1e-6


def test_allocation_floor_and_the_budget():
    # SKU 2 costs 50 times more: 0.8·100 + 50·0.8·100 = 4,080 = 100(1 − λ) + 5,000(1 − 50λ)
    # → λ = 1,020 / 250,100
    lv = allocate_levels(np.full(2, 0.8), _uniform([100.0, 100.0]), np.array([1.0, 50.0]))
    lam = 1020 / 250100
    assert np.allclose(lv, [1 - lam, 1 - 50 * lam], atol=1e-9)
    # 5,000 times: the cheap SKU reaches the cap 0.999 and the dear one keeps the rest of
    # 80 + 400,000 = 400,080: (400,080 − 99.9) / 500,000
    lv = allocate_levels(np.full(2, 0.8), _uniform([100.0, 100.0]), np.array([1.0, 5000.0]))
    assert np.allclose(lv, [0.999, (400080 - 99.9) / 500000], atol=1e-9)
    # an explicit budget: Σ c·q = 60 with costs 1, 1 → 1 − λ each = 0.3, held at the floor 0.5
    lv = allocate_levels(np.full(2, 0.8), _uniform([100.0, 100.0]), np.ones(2), budget=60.0)
    assert np.allclose(lv, [0.5, 0.5])
    # 150 = 100(1 − λ) + 100(1 − λ) → 0.75 each
    lv = allocate_levels(np.full(2, 0.8), _uniform([100.0, 100.0]), np.ones(2), budget=150.0)
    assert np.allclose(lv, [0.75, 0.75])


def test_allocation_spend_table_is_the_allocation_at_each_lambda():
    # the chunked run's table and the one-pass allocation share one rule: at every tabulated
    # λ the table holds exactly what allocate_levels(log_lambda=…) spends, and the budget is
    # the SKUs' own levels; SKU 3 (no cost) takes no part in either
    lv, cost = np.array([0.9, 0.8, 0.95]), np.array([1.0, 2.0, 0.0])
    q = _uniform([100.0, 50.0, 80.0])
    part = allocation_spend(lv, q, cost, 2.0, 7.0)
    assert part.held == 90.0 + 2 * 40.0
    for k in (0, 300, 500, 800):
        at = allocate_levels(lv, q, cost, 2.0, 7.0, log_lambda=float(LOG_LAMBDAS[k]))
        assert at[2] == 0.95
        assert part.spent[k] == float((cost * q(at))[:2].sum())
    # λ = e⁻³: w = c·u·T = (14, 28), levels 1 − 14e⁻³ = 0.303 → the floor 0.5 for both
    at = allocate_levels(lv, q, cost, 2.0, 7.0, log_lambda=-3.0)
    assert np.array_equal(at, [0.5, 0.5, 0.95])
    # one part: the λ found spends the part's own budget, as the bisection's does
    log_lam = allocation_log_lambda([part])
    spent = float((cost * q(allocate_levels(lv, q, cost, 2.0, 7.0, log_lambda=log_lam)))[:2].sum())
    assert abs(spent - 170.0) < 0.5


def test_allocation_leaves_skus_without_cost_or_demand():
    lv = allocate_levels(
        np.array([0.9, 0.9, 0.95]), _uniform([100.0, 0.0, 100.0]), np.array([1.0, 1.0, 0.0])
    )
    assert lv[1] == 0.9 and lv[2] == 0.95 and abs(lv[0] - 0.9) < 1e-9


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(2, 12),
    seed=st.integers(0, 10_000),
    target=st.floats(0.6, 0.99),
)
def test_allocation_never_raises_expected_cancellations(n, seed, target):
    """At the same stock value Σ c·s, the allocated levels never expect more cancelled orders
    (Σ E[(X − s)⁺] / (u·T)) than every SKU at the target (normal demand over P)."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(1, 500, n)
    sigma = mu * rng.uniform(0.05, 1.0, n)
    cost = rng.lognormal(3, 1.5, n)
    upo = rng.uniform(1, 6, n)
    cycle = rng.choice([1.0, 7.0, 14.0], n)

    def q(lv):
        return mu + sigma * stats.norm.ppf(lv)

    def cancels(lv):
        z = stats.norm.ppf(lv)
        loss = sigma * (stats.norm.pdf(z) - z * stats.norm.sf(z))
        return float((loss / (upo * cycle)).sum())

    t = np.full(n, target)
    lv = allocate_levels(t, q, cost, upo, cycle)
    assert np.all((lv >= 0.5 - 1e-12) & (lv <= 0.999 + 1e-12))
    assert float((cost * q(lv)).sum()) <= float((cost * q(t)).sum()) * (1 + 1e-9)
    assert cancels(lv) <= cancels(t) * (1 + 1e-6) + 1e-9


def test_plan_option_spends_the_targets_stock_on_cheap_skus():
    snap = snapshot(n=30, n_days=150, fbo=False)
    cost = np.where(np.arange(30) % 2 == 0, 20.0, 400.0)
    snap = dataclasses.replace(snap, unit_cost=cost, service_level=np.full(30, 0.9))
    plain = plan_catalogue(snap, PlanParams())
    spread = plan_catalogue(snap, PlanParams(allocation="cancellations"))
    demand = plain.lead_time_demand_mean > 0
    # same money in reorder points, moved from the dear SKUs to the cheap ones
    held, moved = (cost * plain.reorder_point).sum(), (cost * spread.reorder_point).sum()
    assert moved <= held * (1 + 1e-9) and moved >= held * 0.99
    cheap, dear = demand & (cost == 20.0), demand & (cost == 400.0)
    assert np.all(spread.calibration_applied[cheap] > 0.9)
    assert np.all(spread.calibration_applied[dear] < 0.9)
    assert np.all(spread.reorder_point[cheap] >= plain.reorder_point[cheap])


def test_replenishment_levels_equal_the_plan():
    snap = snapshot(n=25, n_days=140, fbo=False)
    params = PlanParams()
    runs = [
        (np.full(25, 0.8), params),
        (np.full(25, 0.97), dataclasses.replace(params, allocation="cancellations")),
    ]
    got = replenishment_levels(snap, runs, params)
    for (level, p), pol in zip(runs, got, strict=True):
        plan = plan_catalogue(dataclasses.replace(snap, service_level=level), p)
        assert np.array_equal(plan.reorder_point, pol.reorder_point)
        assert np.array_equal(plan.order_up_to, pol.order_up_to)
