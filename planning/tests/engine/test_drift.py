"""Level drift of the lead-time pools (planning.engine.drift)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.engine import LeadTimePools
from planning.engine.drift import CAP_MEAN, MAX_DRIFT, level_drift
from planning.engine.ltd import fit_pools, total_distribution, velocity_bucket
from planning.engine.totals import LeadTimePairs, fit_lead_time_pools


def test_drift_by_hand():
    # E = 10 at origins 4, 3, 2, 1 weeks back; the latest came in at 20, the others at 10.
    # Half-life 1 week: w = 1/8, 1/4, 1/2, 1; all: 50 / 40 = 1.25; weighted:
    # (10/8 + 10/4 + 10/2 + 20) / (10 · 15/8) = 28.75 / 18.75; λ = 1.5333… / 1.25
    e = np.full(4, 10.0)
    a = np.array([10.0, 10.0, 10.0, 20.0])
    weeks = np.array([4, 3, 2, 1])
    assert abs(level_drift(e, a, weeks, half_life=1.0) - (28.75 / 18.75) / 1.25) < 1e-12


def test_a_spike_is_no_new_level():
    # the latest pair ran at 1,000 × its expected total: it counts as CAP_MEAN × E
    e = np.full(4, 10.0)
    a = np.array([10.0, 10.0, 10.0, 10_000.0])
    capped = level_drift(e, np.r_[a[:3], CAP_MEAN * 10], [4, 3, 2, 1], half_life=1.0)
    assert level_drift(e, a, [4, 3, 2, 1], half_life=1.0) == capped < MAX_DRIFT


def test_nothing_to_measure_is_no_drift_and_drift_is_bounded():
    assert level_drift(np.zeros(0), np.zeros(0), np.zeros(0)) == 1.0
    assert level_drift(np.zeros(3), np.ones(3), [1, 2, 3]) == 1.0  # no expected total
    assert level_drift([1.0, 1.0], [0.0, 0.0], [1, 2]) == 1.0  # nothing sold: no level
    # the latest week at 4 × its pool, the 20 weeks before at 0.01 ×: clipped
    e = np.ones(21)
    a = np.r_[np.full(20, 0.01), 4.0]
    assert level_drift(e, a, np.arange(21, 0, -1), half_life=0.5) == MAX_DRIFT


@settings(max_examples=60, deadline=None)
@given(
    e=st.lists(st.floats(0.1, 100), min_size=2, max_size=30),
    c=st.floats(0.2, 3.0),
    k=st.floats(0.01, 100),
)
def test_a_constant_ratio_has_no_drift_at_any_scale(e, c, k):
    # A = c·E at every origin: the latest origins ran like all of them (λ = 1), and scaling
    # both totals by k changes nothing
    e = np.asarray(e)
    weeks = np.arange(e.size)[::-1] + 1
    assert abs(level_drift(e, c * e, weeks) - 1.0) < 1e-9
    a = c * e * np.linspace(0.5, 1.5, e.size)
    assert abs(level_drift(k * e, k * a, weeks) - level_drift(e, a, weeks)) < 1e-9


def _ramp(n_sku=400, n_origins=13):
    """Pairs of a catalogue whose totals ran 2 % a week further above their forecasts."""
    weeks = np.tile(np.arange(n_origins, 0, -1), n_sku)
    f = np.full(weeks.size, 10.0)
    rng = np.random.default_rng(3)
    a = f * 1.02 ** (n_origins - weeks) * rng.gamma(20, 1 / 20, weeks.size)
    return f, a, weeks


def test_a_ramp_lifts_the_latest_level_and_every_promise_with_it():
    f, a, weeks = _ramp()
    flat = fit_pools(f, a, np.zeros(f.size, int))
    drifted = fit_pools(f, a, np.zeros(f.size, int), weeks=weeks)
    assert flat.drift == 1.0
    # without noise λ = Σ w·1.02^(13−k) / Σ w ÷ mean(1.02^0…12) = 1.0447 (w = 2^−(k−1)/4)
    assert abs(drifted.drift - 1.0447) < 0.01
    np.testing.assert_array_equal(drifted.ratio, flat.ratio)  # the shape is unchanged
    b = velocity_bucket(10.0)
    args = dict(
        forecast_end=np.array([10.0]),
        kind_end=np.array([0]),
        pair_forecast=np.full((1, 1), np.nan),
        pair_actual=np.full((1, 1), np.nan),
        pair_kind=np.zeros((1, 1), int),
        days=np.array([7]),
        lead_time_sd=np.zeros(1),
    )
    t0, t1 = total_distribution(flat, **args), total_distribution(drifted, **args)
    assert abs(t1.mean[0] / t0.mean[0] - drifted.drift) < 1e-12
    np.testing.assert_allclose(t1.grid(), t0.grid() * drifted.drift)
    assert flat.count[0, b].sum() == f.size


def test_the_drift_travels_with_the_pools():
    f, a, weeks = _ramp()
    two = np.stack([f, f], axis=1)
    pairs = LeadTimePairs(
        two, np.stack([a, a], axis=1), np.zeros(f.size, int), np.full((f.size, 2), 5), weeks
    )
    pools = fit_lead_time_pools([pairs])
    back = LeadTimePools.from_json(pools.to_json())
    assert back.protection.drift == pools.protection.drift > 1.03
    # pools stored before the drift existed read as no drift
    old = pools.to_json()
    for part in old.values():
        part.pop("drift")
    assert LeadTimePools.from_json(old).risk.drift == 1.0
