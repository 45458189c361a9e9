"""Syntetos–Boylan and ABC classification."""

import numpy as np

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
