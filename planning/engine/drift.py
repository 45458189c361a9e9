"""Level drift of the lead-time pools: how far the latest origins ran above or below the pools.

A pool's ratio A/F is pooled over about 13 weekly origins, so its mean is the level of the
forecasts' error over roughly the last quarter.  When the whole shop ramps up (or fades), the
forecasts lag it, and they lag more at the latest origins than on average over the quarter;
the pools then under-promise, more so for long periods P, whose latest closed origin is P days
back and whose pairs are older.  Measured on Online Retail (16 weekly cut-offs, autumn ramp)
the stated mean ran 4–9 % low at P 7–28 on the busiest products, growing with P.

The drift λ corrects that level, catalogue-wide and per horizon: with E the pool mean of each
pair (the expected total the pools promise for it) and A its actual total (capped at
``CAP_MEAN`` × E, so a spike is no new level), λ = (Σ w·A ÷ Σ w·E) ÷ (Σ A ÷ Σ E), the weight w
of a pair halving every ``HALF_LIFE_WEEKS`` weeks of its origin's age.  λ is kept within
[1/``MAX_DRIFT``, ``MAX_DRIFT``].  Each SKU's total is then λ·s·R (``ltd.total_distribution``).
"""

from __future__ import annotations

import numpy as np

#: Weight of a pair halves with every this many weeks of its origin's age.
HALF_LIFE_WEEKS = 4.0
#: A pair's actual total counts at most this many times its expected total.
CAP_MEAN = 4.0
#: λ is clipped to [1 / MAX_DRIFT, MAX_DRIFT].
MAX_DRIFT = 1.5


def level_drift(
    expected: np.ndarray,
    actual: np.ndarray,
    weeks: np.ndarray,
    half_life: float = HALF_LIFE_WEEKS,
) -> float:
    """λ of the pairs (flat arrays: pool mean total E, actual total A, origin age in weeks
    before the end of the history); 1 when nothing can be measured.  Non-finite pairs and
    pairs with E ≤ 0 are ignored."""
    e = np.asarray(expected, np.float64).ravel()
    a = np.asarray(actual, np.float64).ravel()
    wk = np.asarray(weeks, np.float64).ravel()
    ok = np.isfinite(e) & np.isfinite(a) & np.isfinite(wk) & (e > 0)
    if not ok.any() or half_life <= 0:
        return 1.0
    e, wk = e[ok], wk[ok]
    a = np.minimum(np.maximum(a[ok], 0), CAP_MEAN * e)
    w = np.exp2(-(wk - wk.min()) / half_life)
    base = a.sum() / e.sum()
    recent = (w * a).sum() / (w * e).sum()
    if not (base > 0 and recent > 0):
        return 1.0
    return float(np.clip(recent / base, 1 / MAX_DRIFT, MAX_DRIFT))
