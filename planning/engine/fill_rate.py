"""Reorder point for a fill-rate target in a lost-sales periodic review (R, s, S), S = s + Q.

Units short in the period a review protects (from the review's delivery, L days on, to the next
one's, R days later) are g(x) = E[(X_P − x)⁺] − E[(X_L − x)⁺]: demand over L + R beyond the
position x after the review, less what over L alone already missed (the earlier order's).  Both
X_L and X_P carry the lead-time spread: a late delivery shifts both windows.

The position after a review is not one number.  A review that orders leaves x = S; one that does
not leaves x = S − C, with C the demand since the last order (< Q, or it would have ordered).
Over one order cycle the reviews without an order sit at S − C_j, j = 1, 2, … while C_j (the sum
of j periods' demand) is below Q, so the mean units short per review is

    short(s) = [g(S) + ∫₀^Q g(S − c) dM(c)] / (1 + M(Q)),

M the renewal function of the periods' demand (Σ_j P(C_j ≤ c)).  M is taken from normal C_j
(mean j·R·d, variance j·R·σ²) over a few bins of [0, Q); with Q = R·d about two reviews in three
order, and with a large lot (EOQ) the positions spread evenly over (s, S], the continuous-review
rule.  A lost-sales fill rate β asks for short = (1 − β)/β·R·d (each review's sales are about
one period's demand); short(s) falls in s, so s is bisected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from .ltd import TotalDistribution
from .stats import (
    choose_distribution,
    discrete_inverse_loss,
    discrete_loss,
    inverse_normal_loss,
    normal_loss,
)

BINS = 4  # bins of [0, Q) for the positions of reviews without an order
MAX_PERIODS = 24  # periods of demand summed for the renewal function

Loss = Callable[[np.ndarray], np.ndarray]


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


@dataclass(frozen=True)
class _Losses:
    """g(x) = E[(X_P − x)⁺] − E[(X_L − x)⁺] for positions x (n, k), the inverse of
    E[(X_P − x)⁺], and the sd of one period's demand (units, per SKU)."""

    period_short: Callable[[np.ndarray], np.ndarray]
    inv_p: Loss
    sd_review: np.ndarray


class _SortedLoss:
    """E[(X − x)⁺] of an equally weighted sorted sample per row (n, G), for x (n, k): the
    count of points at or below x and the sum of those above, read from running sums.

    The count is one ``searchsorted`` over all rows at once: row i's sample, scaled into
    [0, 1] by its largest value, is laid at 3·i + [0, 1], so rows never interleave."""

    def __init__(self, sample: np.ndarray) -> None:
        n, size = sample.shape
        self.size = size
        self.top = np.maximum(sample[:, -1], 1e-12)
        self.base = 3.0 * np.arange(n, dtype=np.float64)
        self.flat = (sample / self.top[:, None] + self.base[:, None]).ravel()
        self.tail = np.zeros((n, size + 1))
        self.tail[:, :size] = np.cumsum(sample[:, ::-1], axis=1)[:, ::-1]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        at = np.clip(x / self.top[:, None], -0.5, 1.5) + self.base[:, None]
        below = np.searchsorted(self.flat, at.ravel(), side="right").reshape(x.shape)
        below -= self.size * np.arange(x.shape[0])[:, None]
        above = np.take_along_axis(self.tail, below, axis=1)
        return (above - (self.size - below) * x) / self.size


def _grid_losses(total: TotalDistribution, frac: np.ndarray, sd_l_ratio: np.ndarray, rv):
    g = total.grid()
    m = np.where(total.mean > 1e-9, total.mean, 0.0)[:, None]
    # X_L: the total's shape with the mean scaled to L and the spread by the model's ratio of
    # sd over L to sd over L + R (both with the lead-time spread); still sorted per row
    loss_p = _SortedLoss(g)
    loss_l = _SortedLoss(np.maximum(m * frac[:, None] + (g - m) * sd_l_ratio[:, None], 0))
    p_days = np.where(frac > 0, rv / np.maximum(1 - frac, 1e-9), rv)
    sd_review = total.sd() * np.sqrt(rv / np.maximum(p_days, 1e-9))
    return _Losses(
        period_short=lambda x: loss_p(x) - loss_l(x),
        inv_p=total.inverse_loss,
        sd_review=sd_review,
    )


def _model_losses(mu, sigma, mu_l, sig_l, discrete, sd_review):
    dist, r, p = choose_distribution(mu, sigma * sigma)
    dist_l, r_l, p_l = choose_distribution(mu_l, sig_l * sig_l)
    i = np.flatnonzero(discrete)
    safe = np.where(sigma > 0, sigma, 1.0)
    safe_l = np.where(sig_l > 0, sig_l, 1.0)

    def inv_p(t):
        x = mu + inverse_normal_loss(np.where(sigma > 0, t / safe, np.inf)) * sigma
        if i.size:
            q = discrete_inverse_loss(t[i], dist[i], mu[i], r[i], p[i])
            x[i] = np.where(np.isfinite(q), q, x[i])
        return x

    def loss(x, m, s, safe_s, dd, rr, pp):
        out = np.where(s > 0, s * normal_loss((x - m) / safe_s), 0)
        out = np.maximum(out, np.maximum(m - x, 0))
        if i.size:
            q = discrete_loss(np.floor(x[i]), dd[i], m[i], rr[i], pp[i])
            out[i] = np.where(np.isfinite(q), q, out[i])
        return out

    def period_short(x):
        return np.stack(
            [
                loss(col, mu, sigma, safe, dist, r, p)
                - loss(col, mu_l, sig_l, safe_l, dist_l, r_l, p_l)
                for col in x.T
            ],
            axis=1,
        )

    return _Losses(period_short=period_short, inv_p=inv_p, sd_review=sd_review)


def renewal_bins(
    lot: np.ndarray, mean_review: np.ndarray, sd_review: np.ndarray, bins: int = BINS
) -> tuple[np.ndarray, np.ndarray]:
    """Where reviews without an order leave the position, below S: (c (n, bins) bin middles
    of [0, Q), w (n, bins) expected reviews per order cycle in each bin).

    w sums to M(Q) = Σ_j P(C_j < Q), C_j ~ N(j·mean, j·sd²) the demand of j periods; the
    first bin also takes C_j ≤ 0 (periods without demand)."""
    q = np.maximum(_f64(lot), 0)[:, None]
    mu = np.maximum(_f64(mean_review), 1e-12)[:, None]
    sd = np.maximum(_f64(sd_review), 0)[:, None]
    edges = q * np.arange(1, bins + 1) / bins  # upper edges
    j = np.arange(1, MAX_PERIODS + 1, dtype=np.float64)[None, :, None]
    m_j, s_j = j * mu[:, :, None], np.sqrt(j) * sd[:, :, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (edges[:, None, :] - m_j) / np.where(s_j > 0, s_j, 1.0)
    cdf = np.where(s_j > 0, special.ndtr(z), (edges[:, None, :] >= m_j).astype(np.float64))
    cum = cdf.sum(axis=1)  # (n, bins): M at each upper edge
    w = np.diff(cum, axis=1, prepend=0.0)
    # an edge equal to the period's mean (lot = R·d, no spread) belongs to the order side
    w = np.where(q > 0, np.maximum(w, 0), 0.0)
    c = q * (np.arange(bins) + 0.5) / bins
    return c, w


def fill_rate_reorder_point(
    beta: np.ndarray,
    d: np.ndarray,
    sd_daily: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    review_days: np.ndarray,
    lot: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray,
    discrete: np.ndarray,
    total: TotalDistribution | None,
    iterations: int = 32,
) -> np.ndarray:
    """Reorder point s (units, ≥ 0) whose lost-sales fill rate is β with S = s + ``lot``.

    ``mu``/``sigma`` are the model's moments of demand over P = L + R (with the lead-time
    spread); ``total`` (the estimated distribution over P) replaces them when given.  See the
    module docstring for the model.
    """
    d = _f64(d)
    rv = np.maximum(_f64(review_days), 1) * np.ones_like(d)
    lot = np.maximum(_f64(lot), 0) * np.ones_like(d)
    short = (1 - _f64(beta)) / _f64(beta) * rv * d
    lt = np.maximum(_f64(lead_time_mean), 0) * np.ones_like(d)
    lsd = np.maximum(_f64(lead_time_sd), 0) * np.ones_like(d)
    sdd = np.maximum(_f64(sd_daily), 0) * np.ones_like(d)
    p_days = lt + _f64(review_days)
    frac = np.where(p_days > 0, lt / np.maximum(p_days, 1e-9), 0.0)
    mu_l = lt * d
    sig_l = np.sqrt(lt * sdd * sdd + d * d * lsd * lsd)
    if total is not None:
        sig_p = np.sqrt(p_days * sdd * sdd + d * d * lsd * lsd)
        ratio = np.where(sig_p > 0, sig_l / np.where(sig_p > 0, sig_p, 1), np.sqrt(frac))
        losses = _grid_losses(total, frac, ratio, rv)
    else:
        losses = _model_losses(_f64(mu), _f64(sigma), mu_l, sig_l, discrete, np.sqrt(rv) * sdd)
    c, w = renewal_bins(lot, rv * d, losses.sd_review)
    reviews = 1 + w.sum(axis=1)

    offsets = np.concatenate([np.zeros((d.shape[0], 1)), c], axis=1)
    weights = np.concatenate([np.ones((d.shape[0], 1)), w], axis=1)

    def units_short(s: np.ndarray) -> np.ndarray:
        x = (s + lot)[:, None] - offsets
        return (weights * losses.period_short(x)).sum(axis=1) / reviews

    # at s = L_P⁻¹(short) every position is at or above it, so short(s) ≤ the target there
    lo, hi = -lot, np.maximum(losses.inv_p(short), 0)
    # Far below both distributions g is flat at R·d, which β = ½ asks for exactly: there any
    # s meets the target and rounding noise would pick one; the tolerance takes the smallest.
    allowed = short * (1 + 1e-9) + 1e-12
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        over = units_short(mid) > allowed
        lo, hi = np.where(over, mid, lo), np.where(over, hi, mid)
    return np.maximum(hi, 0.0)
