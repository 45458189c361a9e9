"""Lead times learned from receipts, and a supplier scorecard. Pure numpy, vectorised over groups.

A *group* is whatever the caller measures: a supplier, or one supplier item. Every receipt is
one event: ``days`` from the purchase order's date to the day the goods arrived, weighted by
the units received, so a partial receipt of 10 units counts a tenth as much as one of 100.

Learned figures are shrunk toward a prior (the stated lead time): with ``n`` effective receipts
(Kish: (Σw)² / Σw²) and a prior worth ``k`` receipts, the data's share is λ = n / (n + k);
the learned distribution is the λ : (1 − λ) mixture of the observed one and the prior, so

    mean = λ·x̄ + (1 − λ)·μ₀
    var  = λ·s² + (1 − λ)·σ₀² + λ·(1 − λ)·(x̄ − μ₀)²

(s² the quantity-weighted variance of the receipts). With no receipts it is the prior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Largest groups × day-span table for the sort-free quantiles of whole-day values.
_HISTOGRAM_CELLS = 25_000_000

#: Receipts the stated lead time is worth when it is blended with what was observed.
DEFAULT_PRIOR_STRENGTH = 5.0


@dataclass(frozen=True)
class LeadTimeEstimate:
    """Per group (g,): what was observed and the learned figures (days)."""

    receipts: np.ndarray  # int64: receipt events
    units: np.ndarray  # float64: units received
    effective_receipts: np.ndarray  # float64: Kish effective count
    observed_mean: np.ndarray  # NaN without receipts
    observed_sd: np.ndarray
    observed_p50: np.ndarray
    observed_p90: np.ndarray
    data_share: np.ndarray  # λ: 0 = only the prior, → 1 with many receipts
    mean: np.ndarray  # learned
    sd: np.ndarray


def weighted_quantiles(
    group: np.ndarray,
    values: np.ndarray,
    weights: np.ndarray,
    n_groups: int,
    qs: tuple[float, ...],
) -> list[np.ndarray]:
    """Per group and each ``q``: the smallest value whose cumulative weight share reaches ``q``
    (NaN for an empty group). One sort for all ``qs``."""
    outs = [np.full(n_groups, np.nan) for _ in qs]
    keep = weights > 0
    if not keep.all():  # the usual receipts all have units: no copies then
        group, values, weights = group[keep], values[keep], weights[keep]
    if group.size == 0:
        return outs
    lo, hi = float(values.min()), float(values.max())
    span = int(hi - lo) + 1
    if values.dtype.kind in "iu" and n_groups * span <= _HISTOGRAM_CELLS:
        # whole days (lead times): a weighted histogram per group, no sort (O(receipts))
        cell = np.multiply(group, span, dtype=np.int64)
        cell += values.astype(np.int64, copy=False)
        cell -= int(lo)
        hist = np.bincount(cell, weights=weights, minlength=n_groups * span).reshape(n_groups, span)
        cum = np.cumsum(hist, axis=1)
        total = cum[:, -1]
        has = total > 0
        for out, q in zip(outs, qs, strict=True):
            first = (cum >= (q - 1e-12) * total[:, None]).argmax(axis=1)
            out[has] = lo + first[has]
        return outs
    order = np.lexsort((values, group))
    g, v, w = group[order], values[order], weights[order]
    total = np.bincount(g, weights=w, minlength=n_groups)
    cum = np.cumsum(w)
    starts = np.searchsorted(g, np.arange(n_groups), side="left")
    before = np.concatenate(([0.0], cum))[starts]
    share = (cum - before[g]) / total[g]
    for out, q in zip(outs, qs, strict=True):
        idx = np.flatnonzero(share >= q - 1e-12)  # a tiny tolerance for float sums
        gi = g[idx]  # sorted: the first row of each group run is its quantile
        first = np.ones(gi.size, dtype=bool)
        first[1:] = gi[1:] != gi[:-1]
        out[gi[first]] = v[idx[first]]
    return outs


def weighted_quantile(
    group: np.ndarray, values: np.ndarray, weights: np.ndarray, n_groups: int, q: float
) -> np.ndarray:
    """Per group, the smallest value whose cumulative weight share reaches ``q`` (NaN if empty)."""
    return weighted_quantiles(group, values, weights, n_groups, (q,))[0]


def learn_lead_times(
    *,
    group: np.ndarray,
    days: np.ndarray,
    units: np.ndarray,
    n_groups: int,
    prior_mean: np.ndarray,
    prior_sd: np.ndarray,
    prior_strength: float = DEFAULT_PRIOR_STRENGTH,
) -> LeadTimeEstimate:
    """Learned lead-time mean and spread per group from its receipts.

    ``group`` (r,) int in [0, n_groups), ``days`` (r,) order-to-receipt days, ``units`` (r,)
    received; ``prior_mean``/``prior_sd`` (g,) the stated figures (days).
    """
    group = np.asarray(group, dtype=np.int64)
    x = np.asarray(days)
    if x.dtype.kind not in "iuf":
        x = x.astype(np.float64)
    w = np.asarray(units, dtype=np.float64)
    prior_mean = np.asarray(prior_mean, dtype=np.float64)
    prior_sd = np.asarray(prior_sd, dtype=np.float64)
    if not (group.shape == x.shape == w.shape):
        raise ValueError("group, days and units must have the same length")
    if w.size and w.min() < 0:
        raise ValueError("received units must not be negative")
    positive = w > 0
    if positive.all():
        receipts = np.bincount(group, minlength=n_groups).astype(np.int64)
    else:
        receipts = np.bincount(group[positive], minlength=n_groups).astype(np.int64)
    # Receipt-sized work goes through one buffer: each fresh receipt-sized temporary would be
    # mapped and faulted in anew, which costs more than the arithmetic on it.
    buf = np.empty(w.shape)
    sw = np.bincount(group, weights=w, minlength=n_groups)
    sw2 = np.bincount(group, weights=np.multiply(w, w, out=buf), minlength=n_groups)
    swx = np.bincount(group, weights=np.multiply(w, x, out=buf), minlength=n_groups)
    has = sw > 0
    safe = np.where(has, sw, 1.0)
    xbar = np.where(has, swx / safe, np.nan)
    # Σ w·(x − x̄)², two-pass (exact 0 for equal days)
    dev = np.take(np.where(has, xbar, 0.0), group, out=buf)
    np.subtract(x, dev, out=dev)
    np.multiply(dev, dev, out=dev)
    dev *= w
    var = np.where(has, np.bincount(group, weights=dev, minlength=n_groups) / safe, np.nan)
    del buf, dev
    n_eff = np.where(has, sw * sw / np.where(has, sw2, 1.0), 0.0)
    lam = n_eff / (n_eff + prior_strength) if prior_strength > 0 else has.astype(np.float64)
    obs_mean = np.where(has, xbar, 0.0)
    obs_var = np.where(has, var, 0.0)
    mean = lam * obs_mean + (1 - lam) * prior_mean
    mix_var = (
        lam * obs_var + (1 - lam) * prior_sd**2 + lam * (1 - lam) * (obs_mean - prior_mean) ** 2
    )
    # whole days (the usual case) take the sort-free path
    p50, p90 = weighted_quantiles(group, x, w, n_groups, (0.5, 0.9))
    return LeadTimeEstimate(
        receipts=receipts,
        units=sw,
        effective_receipts=n_eff,
        observed_mean=xbar,
        observed_sd=np.sqrt(var),
        observed_p50=p50,
        observed_p90=p90,
        data_share=lam,
        mean=mean,
        sd=np.sqrt(np.maximum(mix_var, 0.0)),
    )


@dataclass(frozen=True)
class Scorecard:
    """Per group (g,). Rates are shares 0–1, NaN where nothing was measured."""

    on_time_rate: np.ndarray  # units received by the expected arrival ÷ units received
    fill_rate: np.ndarray  # units received ÷ units ordered, over lines that are due
    average_delay_days: np.ndarray  # mean days late per unit received (early = 0)
    recent_receipts: np.ndarray  # int64: receipts in the last window
    previous_receipts: np.ndarray  # int64: receipts in the window before
    recent_on_time: np.ndarray
    previous_on_time: np.ndarray
    recent_delay_days: np.ndarray
    previous_delay_days: np.ndarray
    worsening: np.ndarray  # bool


def supplier_scorecard(
    *,
    receipt_group: np.ndarray,
    receipt_units: np.ndarray,
    receipt_days_late: np.ndarray,
    receipt_age_days: np.ndarray,
    line_group: np.ndarray,
    line_ordered: np.ndarray,
    line_received: np.ndarray,
    n_groups: int,
    window_days: int = 90,
    min_receipts: int = 3,
    on_time_drop: float = 0.10,
    delay_rise_days: float = 1.0,
) -> Scorecard:
    """On-time rate, fill rate, delay and their trend per group.

    Receipts: units, days late against the PO's expected arrival (≤ 0 = on time) and age
    (days before today). Lines: ordered and received units of PO lines that are due (received
    in full, or past their expected arrival); received is capped at ordered. The trend compares
    the last ``window_days`` with the window before; a group is *worsening* when both windows
    hold at least ``min_receipts`` receipts and the on-time rate fell by ``on_time_drop`` or
    more, or the average delay grew by ``delay_rise_days`` or more.
    """
    g = np.asarray(receipt_group, dtype=np.int64)
    w = np.asarray(receipt_units, dtype=np.float64)
    late, age = (np.asarray(a) for a in (receipt_days_late, receipt_age_days))
    late, age = (a if a.dtype.kind in "iuf" else a.astype(np.float64) for a in (late, age))

    # one pass per quantity: every receipt falls in the recent window (0), the one before
    # (1) or earlier or unknown (2); the all-time figures are the sums over the three.
    # Receipt-sized work goes through two buffers (fresh temporaries cost page faults).
    key = np.multiply(g, 3)
    key += 2
    key -= age < window_days
    key -= age < 2 * window_days
    cells = 3 * n_groups
    buf = np.empty(w.shape)
    units = np.bincount(key, weights=w, minlength=cells).reshape(n_groups, 3)
    np.multiply(w, late <= 0, out=buf)
    on_time = np.bincount(key, weights=buf, minlength=cells).reshape(n_groups, 3)
    np.maximum(late, 0, out=buf)
    buf *= w
    delay_sum = np.bincount(key, weights=buf, minlength=cells).reshape(n_groups, 3)
    counted = key if (w > 0).all() else key[w > 0]
    count = np.bincount(counted, minlength=cells).astype(np.int64).reshape(n_groups, 3)
    del buf, key, counted

    def rates(cols: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        u = units[:, cols].sum(axis=1)
        safe = np.where(u > 0, u, 1.0)
        return (
            np.where(u > 0, on_time[:, cols].sum(axis=1) / safe, np.nan),
            np.where(u > 0, delay_sum[:, cols].sum(axis=1) / safe, np.nan),
            count[:, cols].sum(axis=1),
        )

    on_time_rate, delay, _ = rates(slice(0, 3))
    recent_on_time, recent_delay, recent_n = rates(slice(0, 1))
    prev_on_time, prev_delay, prev_n = rates(slice(1, 2))

    lg = np.asarray(line_group, dtype=np.int64)
    ordered = np.asarray(line_ordered, dtype=np.float64)
    received = np.minimum(np.asarray(line_received, dtype=np.float64), ordered)
    o = np.bincount(lg, weights=ordered, minlength=n_groups)
    r = np.bincount(lg, weights=received, minlength=n_groups)
    fill = np.where(o > 0, r / np.where(o > 0, o, 1.0), np.nan)

    comparable = (recent_n >= min_receipts) & (prev_n >= min_receipts)
    with np.errstate(invalid="ignore"):
        worse = (recent_on_time <= prev_on_time - on_time_drop + 1e-12) | (
            recent_delay >= prev_delay + delay_rise_days - 1e-12
        )
    return Scorecard(
        on_time_rate=on_time_rate,
        fill_rate=fill,
        average_delay_days=delay,
        recent_receipts=recent_n,
        previous_receipts=prev_n,
        recent_on_time=recent_on_time,
        previous_on_time=prev_on_time,
        recent_delay_days=recent_delay,
        previous_delay_days=prev_delay,
        worsening=comparable & worse,
    )
