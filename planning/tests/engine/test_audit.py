"""Scoring past promises (planning.engine.audit): hand-checked figures, invariants, and a
recalibration that restores coverage on simulated demand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm

from planning.engine.audit import RELIABILITY_EDGES, score_promises, to_calibration

LEVELS = (0.5, 0.8, 0.9, 0.95, 0.99)


def _hand_built():
    """Six promises in two groups; the last one is censored (a stock-out day in its period)."""
    quantiles = np.array(
        [
            [10, 14, 16, 18, 22],  # A: actual 12 → covered from 0.8 on
            [10, 14, 16, 18, 22],  # A: actual 17 → covered from 0.95 on
            [10, 14, 16, 18, 22],  # A: actual 30 → never covered
            [2, 3, 4, 5, 7],  # C: actual 0 → always covered
            [2, 3, 4, 5, 7],  # C: actual 4 → covered from 0.9 on
            [2, 3, 4, 5, 7],  # C: censored, actual 100 must not count
        ],
        dtype=float,
    )
    mean = np.array([10, 10, 10, 2, 2, 2.0])
    actual = np.array([12, 17, 30, 0, 4, 100.0])
    censored = np.array([False, False, False, False, False, True])
    reorder_point = np.array([16, 16, 16, 5, 5, 5.0])
    stated_risk = np.array([0.1, 0.1, 0.1, 0.05, 0.05, 0.05])
    group = np.array(["A", "A", "A", "C", "C", "C"])
    target = np.array([0.9, 0.9, 0.9, 0.95, 0.95, 0.95])
    period = np.array([7, 7, 8, 7, 8, 8])
    return dict(
        quantiles=quantiles,
        levels=LEVELS,
        mean=mean,
        actual=actual,
        censored=censored,
        stated_risk=stated_risk,
        stocked_out=actual > reorder_point,
        group=group,
        target=target,
        period=period,
    )


def test_hand_built_score_has_the_expected_figures():
    score = score_promises(**_hand_built())

    assert score.groups == ("A", "C")
    assert score.levels == LEVELS
    assert score.n_scored.tolist() == [[3] * 5, [2] * 5]
    assert score.covered.tolist() == [[0, 1, 1, 2, 2], [1, 1, 2, 2, 2]]
    assert score.coverage[0].tolist() == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3])
    assert score.coverage[1].tolist() == [0.5, 0.5, 1.0, 1.0, 1.0]
    assert score.n_censored.tolist() == [0, 1]
    assert score.total_scored.tolist() == [5] * 5
    assert score.total_coverage.tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 0.8])
    # bias: A 30 / 59 − 1, C 4 / 4 − 1 = 0, overall 34 / 63 − 1
    assert score.sum_mean.tolist() == [30, 4]
    assert score.sum_actual.tolist() == [59, 4]
    assert score.bias.tolist() == pytest.approx([30 / 59 - 1, 0.0])
    assert score.total_bias == pytest.approx(34 / 63 - 1)
    # achieved service: A (target 0.9) ran over 16 twice of 3; C (0.95) never
    assert score.targets == (0.9, 0.95)
    assert score.target_count.tolist() == [[3, 0], [0, 2]]
    assert score.target_met.tolist() == [[1, 0], [0, 2]]
    assert score.achieved[0, 0] == pytest.approx(1 / 3)
    assert score.achieved[1, 1] == 1.0
    # reliability: 0.05 falls in (0.02, 0.05], 0.1 in (0.05, 0.1]
    curve = score.reliability
    assert curve.edges.tolist() == list(RELIABILITY_EDGES)
    assert curve.count.tolist() == [0, 0, 2, 3, 0, 0, 0, 0, 0]
    assert curve.stated[2:4].tolist() == pytest.approx([0.05, 0.1])
    assert curve.observed[2:4].tolist() == pytest.approx([0.0, 2 / 3])
    assert np.isnan(curve.observed[0])
    # bias by period: week 7 = (10 + 10 + 2) / (12 + 17 + 0), week 8 = (10 + 2) / (30 + 4)
    assert score.period_bias.periods.tolist() == [7, 8]
    assert score.period_bias.count.tolist() == [3, 2]
    assert score.period_bias.bias.tolist() == pytest.approx([22 / 29 - 1, 12 / 34 - 1])


def test_shortfalls_name_the_group_and_target_more_than_three_points_below():
    score = score_promises(**_hand_built())

    shortfalls = score.shortfalls(points=3.0)

    assert [(s.group, s.target, s.count) for s in shortfalls] == [("A", 0.9, 3)]
    assert shortfalls[0].points_below == pytest.approx((0.9 - 1 / 3) * 100)
    assert score.shortfalls(points=3.0, min_count=4) == []


def test_exactly_three_points_below_is_not_a_shortfall():
    # 100 promises at target 0.95, 8 over the reorder point: achieved 0.92 = 3.0 points below
    m = 100
    stocked_out = np.arange(m) < 8
    score = score_promises(
        np.zeros((m, 1)), (0.95,), np.ones(m), np.ones(m), np.zeros(m, bool), np.full(m, 0.05),
        stocked_out, np.full(m, "B"), target=np.full(m, 0.95),
    )  # fmt: skip

    assert score.achieved[0, 0] == pytest.approx(0.92)
    assert score.shortfalls(points=3.0) == []
    assert len(score.shortfalls(points=2.9)) == 1


def test_censored_promises_change_nothing_but_their_count():
    data = _hand_built()
    base = score_promises(**data)
    data["censored"] = data["censored"].copy()
    data["actual"] = data["actual"].copy()
    data["actual"][5] = 0.0  # a censored promise's actual is unknown: whatever it says

    again = score_promises(**data)

    assert again.covered.tolist() == base.covered.tolist()
    assert again.bias.tolist() == base.bias.tolist()
    assert again.reliability.count.tolist() == base.reliability.count.tolist()


def test_nan_quantile_is_not_scored_at_its_level_and_nan_actual_is_censored():
    score = score_promises(
        np.array([[1.0, np.nan], [1.0, 2.0], [1.0, 2.0]]),
        (0.5, 0.9),
        np.ones(3),
        np.array([1.0, 3.0, np.nan]),
        np.zeros(3, bool),
        np.zeros(3),
        np.zeros(3, bool),
        np.array(["A", "A", "A"]),
    )

    assert score.n_scored.tolist() == [[2, 1]]
    assert score.covered.tolist() == [[1, 0]]
    assert score.n_censored.tolist() == [1]
    assert score.targets == ()


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda m: st.tuples(
            st.lists(st.floats(0, 50), min_size=m * 5, max_size=m * 5),
            st.lists(st.floats(0, 80), min_size=m, max_size=m),
            st.lists(st.booleans(), min_size=m, max_size=m),
            st.lists(st.sampled_from("ABC"), min_size=m, max_size=m),
        )
    )
)
def test_counts_add_up_and_coverage_rises_with_the_level(case):
    raw, actual, censored, group = case
    m = len(actual)
    quantiles = np.sort(np.array(raw).reshape(m, 5), axis=1)
    score = score_promises(
        quantiles, LEVELS, np.ones(m), np.array(actual), np.array(censored), np.zeros(m),
        np.zeros(m, bool), np.array(group),
    )  # fmt: skip

    assert (score.covered <= score.n_scored).all()
    assert (np.diff(score.covered, axis=1) >= 0).all()  # monotone quantiles: monotone coverage
    assert (score.n_scored.sum(axis=0) + score.n_censored.sum() == m).all()
    calibration = to_calibration(score)
    assert (np.diff(calibration.adjusted, axis=1) >= 0).all()
    assert ((calibration.adjusted >= 0.5) & (calibration.adjusted <= 0.999)).all()


def _simulated_score(*, spread: float, bias: float, m: int, seed: int):
    """Actual totals ~ N(100, 10 · spread); stated quantiles from N(100 · (1 + bias), 10)."""
    rng = np.random.default_rng(seed)
    actual = rng.normal(100, 10 * spread, m)
    stated = norm.ppf(LEVELS, loc=100 * (1 + bias), scale=10)
    quantiles = np.tile(stated, (m, 1))
    return score_promises(
        quantiles, LEVELS, np.full(m, 100 * (1 + bias)), actual, np.zeros(m, bool),
        np.zeros(m), np.zeros(m, bool), np.full(m, "A"),
    )  # fmt: skip


def test_a_calibrated_model_is_left_alone():
    calibration = to_calibration(_simulated_score(spread=1.0, bias=0.0, m=50_000, seed=1))

    assert calibration.adjusted[0] == pytest.approx(LEVELS, abs=0.005)


@pytest.mark.parametrize(("spread", "bias"), [(1.3, 0.0), (1.0, -0.05), (1.2, -0.03)])
def test_recalibrated_levels_cover_as_promised(spread, bias):
    # given a model whose spread is too narrow and/or whose mean is too low
    score = _simulated_score(spread=spread, bias=bias, m=50_000, seed=2)
    assert score.coverage[0, 3] < 0.93
    calibration = to_calibration(score, shrink_n=0, max_shift_z=3.0)

    # when the model's quantiles are read at the adjusted levels, on fresh demand
    fresh = np.random.default_rng(3).normal(100, 10 * spread, 50_000)
    stated = norm.ppf(calibration.adjusted[0], loc=100 * (1 + bias), scale=10)
    achieved = (fresh[:, None] <= stated).mean(axis=0)

    # then every level covers within a point of what it says (0.99 is capped at 0.999)
    assert achieved[:4] == pytest.approx(LEVELS[:4], abs=0.01)
    assert achieved[4] >= 0.985


def test_few_promises_move_the_levels_less_and_none_not_at_all():
    big = to_calibration(_simulated_score(spread=1.3, bias=0.0, m=5_000, seed=4), shrink_n=200)
    small = to_calibration(_simulated_score(spread=1.3, bias=0.0, m=50, seed=4), shrink_n=200)
    none = to_calibration(
        score_promises(np.ones((1, 5)), LEVELS, [1], [1], [True], [0], [False], ["A"])
    )

    assert small.adjusted[0, 3] - 0.95 < 0.5 * (big.adjusted[0, 3] - 0.95)
    assert small.adjusted[0, 3] > 0.95
    assert none.adjusted.tolist() == [list(LEVELS)]
    assert none.n_scored.tolist() == [[0] * 5]
