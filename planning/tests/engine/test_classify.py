"""Syntetos–Boylan and ABC classification."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planning.engine import abc_classes, syntetos_boylan
from planning.engine.schema import ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND, SMOOTH


def test_syntetos_boylan_quadrants():
    y = np.array(
        [
            [5, 5, 6, 5, 4, 5, 5, 6],  # every day, steady: smooth
            [1, 9, 1, 12, 1, 1, 15, 1],  # every day, variable: erratic
            [0, 5, 0, 0, 5, 0, 0, 6],  # ADI 8/3, steady sizes: intermittent
            [0, 1, 0, 0, 20, 0, 0, 2],  # ADI 8/3, variable sizes: lumpy
            [0, 0, 0, 0, 0, 0, 0, 0],  # no demand
        ],
        dtype=float,
    )
    cls, adi, cv2 = syntetos_boylan(y)
    assert cls.tolist() == [SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND]
    assert adi[2] == 8 / 3 and np.isinf(adi[4])
    sizes = np.array([1.0, 20.0, 2.0])
    assert cv2[3] == np.var(sizes) / np.mean(sizes) ** 2


def test_syntetos_boylan_ignores_unusable_days():
    y = np.array([[0, 0, 0, 0, 4, 4, 4, 4]], dtype=float)
    valid = np.array([[False] * 4 + [True] * 4])
    assert syntetos_boylan(y)[0][0] == INTERMITTENT
    assert syntetos_boylan(y, valid)[0][0] == SMOOTH  # launched on day 5


def test_syntetos_boylan_cutoffs_are_inclusive_above():
    # ADI exactly 1.32 would be "high"; here ADI = 4/3 > 1.32 with equal sizes
    y = np.array([[1.0, 1.0, 1.0, 0.0]])
    assert syntetos_boylan(y)[0][0] == INTERMITTENT


def test_abc_by_revenue():
    rev = np.array([50.0, 30.0, 10.0, 6.0, 3.0, 1.0, 0.0])
    # shares ranked above: 0, .5, .8, .9, .96, .99, 1 -> A A B B C C C (zero revenue: C)
    assert abc_classes(rev).tolist() == [0, 0, 1, 1, 2, 2, 2]
    assert abc_classes(rev, (0.5, 0.9)).tolist() == [0, 1, 1, 2, 2, 2, 2]
    assert abc_classes(np.zeros(3)).tolist() == [2, 2, 2]


def test_clip_spikes_by_hand():
    from planning.engine.censor import clip_spikes

    y = np.array([[1, 2, 1, 0, 3, 1, 100], [5, 5, 0, 5, 5, 5, 60]], np.float32)
    v = np.ones_like(y, bool)
    out = clip_spikes(y, v, factor=10)
    # row 0: largest 100 > 10/2 × mean positive day 18; median positive day 1.5: cap 15
    np.testing.assert_array_equal(out[0], [1, 2, 1, 0, 3, 1, 15])
    # row 1: 60 > 10 × median 5 but 60 ≤ 10/2 × mean 14.2: not a spike, left alone
    np.testing.assert_array_equal(out[1], y[1])


def test_syntetos_boylan_at_origins_sees_only_the_days_before():
    from planning.engine.classify import syntetos_boylan_at

    # every day 5 units for 6 days (smooth), then one sale in 4 days of 1 or 20 units
    y = np.array([[5, 5, 5, 5, 5, 5, 0, 0, 20, 0, 1, 0, 0, 0]], dtype=float)
    cls, adi, _cv2, at = syntetos_boylan_at(y, None, [3, 6, 14])
    # days 0-2: three sales of 5 and days 0-5: six of 5 (ADI 1, CV² 0): smooth; all 14 days:
    # ADI 14 / 8 = 1.75, sizes 5 × 6, 20, 1: mean 51 / 8 = 6.375, Var 28.234, CV² 0.695: lumpy
    sizes = np.array([5.0] * 6 + [20.0, 1.0])
    assert np.var(sizes) / np.mean(sizes) ** 2 == pytest.approx(0.695, abs=1e-3)
    assert at.tolist() == [[SMOOTH, SMOOTH, LUMPY]]
    assert syntetos_boylan(y)[0].tolist() == cls.tolist() == [LUMPY]
    assert adi[0] == 14 / 8
    # a day not usable counts neither as a day nor as a sale
    valid = np.ones_like(y, bool)
    valid[0, 6:8] = False  # ADI at the end: 12 / 8 = 1.5
    cls, adi, _cv2, at = syntetos_boylan_at(y, valid, [8, 14])
    assert at.tolist() == [[SMOOTH, LUMPY]] and adi[0] == 12 / 8
    assert syntetos_boylan_at(np.zeros((1, 5)), None, [2])[3].tolist() == [[NO_DEMAND]]


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_days=st.integers(2, 60),
    p=st.floats(0.05, 1.0),
    data=st.data(),
)
def test_syntetos_boylan_at_is_the_class_of_each_prefix(seed, n_days, p, data):
    from planning.engine.classify import syntetos_boylan_at

    rng = np.random.default_rng(seed)
    y = rng.poisson(rng.uniform(0.5, 8), (6, n_days)) * (rng.random((6, n_days)) < p)
    valid = rng.random((6, n_days)) < 0.9
    origins = sorted(data.draw(st.sets(st.integers(1, n_days), min_size=1, max_size=5)))
    cls, adi, cv2, at = syntetos_boylan_at(y.astype(np.float32), valid, origins)
    for j, o in enumerate(origins):
        assert at[:, j].tolist() == syntetos_boylan(y[:, :o], valid[:, :o])[0].tolist()
    whole = syntetos_boylan(y.astype(np.float32), valid)
    assert cls.tolist() == whole[0].tolist()
    np.testing.assert_array_equal(adi, whole[1])
    np.testing.assert_allclose(cv2, whole[2], rtol=1e-12, atol=1e-15)
