"""What a plan promises per SKU: the distribution of total demand over its protection period.

The promise is read from the very distribution the safety stock and the reorder point come
from (normal, Poisson or negative binomial with the policy's mean and sd over P = L + R):

* ``promise_quantiles`` at ``PROMISE_LEVELS`` — the model's own quantiles (before any
  recalibration, so the nightly audit measures the model and not the last correction);
* ``promise_mean`` — its mean;
* ``promise_stockout_probability`` — P(demand over P > reorder point), restated through the
  calibration (the nominal level whose recalibrated quantile is the reorder point);
* ``calibration_applied`` — the level the reorder point was read at (the target when no
  calibration applies).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .calibration import QuantileCalibration, nominal_level
from .ltd import TotalDistribution
from .schema import DIST_NORMAL
from .stats import discrete_ppf, normal_or_discrete_tail

#: Levels every promise states quantiles at.
PROMISE_LEVELS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)


@dataclass(frozen=True)
class Promise:
    """Per-SKU promise arrays (see the module docstring)."""

    protection_days: np.ndarray  # int32 (n,)
    quantiles: np.ndarray  # float64 (n, len(PROMISE_LEVELS))
    mean: np.ndarray
    stockout_probability: np.ndarray


def distribution_quantiles(
    levels: np.ndarray,
    dist: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    r: np.ndarray,
    p: np.ndarray,
) -> np.ndarray:
    """Quantiles (n, k) of each SKU's distribution at ``levels`` (k,) or (n, k); units ≥ 0,
    non-decreasing along the levels."""
    mean = np.asarray(mean, np.float64)
    n = mean.shape[0]
    lv = np.broadcast_to(np.asarray(levels, np.float64), (n, np.shape(levels)[-1]))
    lv = np.clip(lv, 1e-9, 1 - 1e-9)
    sd = np.asarray(sd, np.float64)
    out = mean[:, None] + special.ndtri(lv) * sd[:, None]
    dsc = (np.asarray(dist) != DIST_NORMAL) & (mean > 0)
    if dsc.any():
        i = np.flatnonzero(dsc)
        k = lv.shape[1]
        rep = np.repeat
        q = discrete_ppf(
            lv[i].ravel(),
            rep(np.asarray(dist)[i], k),
            rep(mean[i], k),
            rep(np.asarray(r, np.float64)[i], k),
            rep(np.asarray(p, np.float64)[i], k),
        ).reshape(i.size, k)
        out[i] = np.where(np.isfinite(q), q, out[i])  # degenerate NB: the normal value
    out = np.where(mean[:, None] > 0, np.maximum(out, 0), 0.0)
    return np.maximum.accumulate(out, axis=1)


def make_promise(
    protection_days: np.ndarray,
    dist: np.ndarray,
    mean: np.ndarray,
    sd: np.ndarray,
    r: np.ndarray,
    p: np.ndarray,
    reorder_point: np.ndarray,
    groups: np.ndarray,
    calibration: QuantileCalibration | None = None,
) -> Promise:
    """The promise of every SKU from its lead-time-demand distribution (module docstring)."""
    mean = np.asarray(mean, np.float64)
    q = distribution_quantiles(np.asarray(PROMISE_LEVELS), dist, mean, sd, r, p)
    prob, _ = normal_or_discrete_tail(
        np.asarray(reorder_point, np.float64), np.asarray(dist), mean, np.asarray(sd), r, p
    )
    prob = np.where(mean > 0, prob, 0.0)
    if calibration is not None:
        prob = 1.0 - nominal_level(1.0 - prob, groups, calibration)
    return Promise(
        protection_days=np.asarray(protection_days, np.int32),
        quantiles=q,
        mean=mean,
        stockout_probability=np.clip(prob, 0.0, 1.0),
    )


def promise_from_total(
    protection_days: np.ndarray,
    total: TotalDistribution,
    reorder_point: np.ndarray,
    groups: np.ndarray,
    calibration: QuantileCalibration | None = None,
) -> Promise:
    """The promise from an estimated distribution of the protection-period total (``ltd``)."""
    n = total.mean.shape[0]
    q = total.quantile(np.broadcast_to(np.asarray(PROMISE_LEVELS), (n, len(PROMISE_LEVELS))))
    q = np.maximum.accumulate(np.maximum(q, 0), axis=1)
    prob = np.where(total.mean > 0, total.sf(np.asarray(reorder_point, np.float64)), 0.0)
    if calibration is not None:
        prob = 1.0 - nominal_level(1.0 - prob, groups, calibration)
    return Promise(
        protection_days=np.asarray(protection_days, np.int32),
        quantiles=q,
        mean=total.mean.copy(),
        stockout_probability=np.clip(prob, 0.0, 1.0),
    )
