"""Censored demand: stocked-out days are missing, not zero; recorded lost demand is added."""

from __future__ import annotations

import numpy as np


def clean_demand(
    demand: np.ndarray,
    stockout_mask: np.ndarray | None = None,
    lost_demand: np.ndarray | None = None,
    trim_leading_zeros: bool = True,
    keep_leading_days: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Usable demand history of a block of SKUs.

    demand (c, T) units/day (negatives clipped to 0, NaN = missing); stockout_mask (c, T) bool;
    lost_demand (c, T) units (NaN = unknown).  Rules:

    * y = demand + lost demand (where the lost demand is finite);
    * a stocked-out day is *unusable* (censored: the sales figure is only a lower bound)
      unless a finite lost demand is given for it, which makes it fully observed;
    * with ``trim_leading_zeros`` the days before the first usable positive demand are
      unusable too (the SKU was not listed or not yet stocked), except the last
      ``keep_leading_days`` of them: a history that starts on its first sale overstates the
      rate (it was picked to start on a sale), and those zero days give the sale its exposure.

    Returns (y float32 (c, T) with 0 on unusable days, valid bool (c, T)).
    """
    y = np.array(demand, dtype=np.float32, copy=True)
    valid = np.isfinite(y)
    if lost_demand is not None:
        lost = np.asarray(lost_demand, dtype=np.float32)
        known = np.isfinite(lost)
        y += np.where(known, np.maximum(lost, 0), 0)
        if stockout_mask is not None:
            valid &= ~np.asarray(stockout_mask, bool) | known
    elif stockout_mask is not None:
        valid &= ~np.asarray(stockout_mask, bool)
    np.maximum(y, 0, out=y, where=valid)
    if trim_leading_zeros:
        pos = (y > 0) & valid
        has = pos.any(axis=1)
        first = np.where(has, pos.argmax(axis=1) - max(0, keep_leading_days), y.shape[1])
        valid &= np.arange(y.shape[1])[None, :] >= first[:, None]
    y[~valid] = 0
    return y, valid


#: A day's demand above this many times the SKU's median demand day is a spike (clipped for
#: forecasting; the totals the lead-time pools learn from keep it).
SPIKE_MEDIANS = 30.0


def clip_spikes(y: np.ndarray, valid: np.ndarray, factor: float = SPIKE_MEDIANS) -> np.ndarray:
    """Copy of ``y`` (c, T) with spikes clipped: a spike is a spike, not a new level.

    In a row whose largest usable day exceeds ``factor``/2 × its mean positive day (a spike
    stands out against the mean too, so a regular mix of small and large days is left alone)
    and which has at least 3 positive days, days above ``factor`` × its median positive day
    are clipped to that.
    """
    pos = (y > 0) & valid
    n_pos = pos.sum(axis=1)
    top = np.where(valid, y, 0).max(axis=1, initial=0)
    mean_pos = np.where(pos, y, 0).sum(axis=1, dtype=np.float64) / np.maximum(n_pos, 1)
    suspect = np.flatnonzero((n_pos >= 3) & (top > 0.5 * factor * mean_pos))
    out = y.copy()
    if suspect.size:
        vals = np.where(pos[suspect], y[suspect], np.nan)
        cap = factor * np.nanmedian(vals, axis=1)
        out[suspect] = np.minimum(y[suspect], cap[:, None]).astype(y.dtype)
    return out
