"""Stock-out and cancellation risk until the next possible replenishment.

Horizon H = L (+ fbs_prep_days for SKUs fulfilled FBS): an order placed today cannot help
before then.  Demand over H: mean H·d, sd √(H·σd² + d²·σL²), normal or discrete
(Poisson / NB, same rule as the policy).  Stock A = available + receipts due within H, where
the plan passes as ``available`` all sellable stock (own warehouses + FBO warehouses).

* stock-out probability P(D_H > A);
* expected units short E[(D_H − A)⁺] (normal: σ·G((A − μ)/σ); discrete loss function);
* expected cancelled orders = units short ÷ mean units per order;
* days of cover = available ÷ d (inf when d = 0; 0 when nothing is available);
* stock-out day = first day k ≥ 1 (from the plan date) on which the expected cumulative
  demand d·Σ profile exceeds available + receipts due by day k (inf if not within the
  lookahead).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ltd import TotalDistribution
from .schema import DIST_NORMAL, FBS, PlanParams
from .stats import choose_distribution, normal_or_discrete_tail


@dataclass(frozen=True)
class RiskResult:
    """Per-SKU risk figures (float64 (n,))."""

    horizon_days: np.ndarray
    stockout_probability: np.ndarray
    expected_units_short: np.ndarray
    expected_cancelled_orders: np.ndarray
    days_of_cover: np.ndarray
    stockout_day: np.ndarray


def receipts_schedule(
    on_order: np.ndarray,
    in_transit: np.ndarray,
    lead_time_mean: np.ndarray,
    receipts_qty: np.ndarray | None = None,
    receipts_in_days: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(qty (n, K), day (n, K)) of expected receipts.

    The given schedule, or by default: in_transit arrives today (day 0) and on_order after
    ⌊L⌋ days.
    """
    if receipts_qty is not None and receipts_in_days is not None:
        return np.asarray(receipts_qty, np.float64), np.asarray(receipts_in_days, np.float64)
    qty = np.stack([np.asarray(in_transit, np.float64), np.asarray(on_order, np.float64)], 1)
    day = np.stack(
        [np.zeros(qty.shape[0]), np.floor(np.asarray(lead_time_mean, np.float64))], axis=1
    )
    return qty, day


def days_of_cover(available: np.ndarray, mean_daily: np.ndarray) -> np.ndarray:
    """available ÷ mean daily demand, days (inf with no demand, 0 with no stock)."""
    a = np.maximum(np.asarray(available, np.float64), 0)
    d = np.asarray(mean_daily, np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 0, a / np.where(d > 0, d, 1), np.where(a > 0, np.inf, 0.0))


def stockout_day(
    available: np.ndarray,
    mean_daily: np.ndarray,
    weekly_profile: np.ndarray,
    end_weekday: int,
    receipts_qty: np.ndarray,
    receipts_day: np.ndarray,
    lookahead: int = 365,
) -> np.ndarray:
    """Days from the plan date until the expected stock runs out (inf if beyond lookahead).

    Day k = 1 is the plan date itself (weekday end_weekday + 1).  Loops over days only.
    """
    a = np.asarray(available, np.float64)
    d = np.asarray(mean_daily, np.float64)
    prof_t = np.ascontiguousarray(np.asarray(weekly_profile, np.float64).T)  # (7, n)
    rq = np.asarray(receipts_qty, np.float64)
    rday = np.ceil(np.asarray(receipts_day, np.float64))  # usable from day rday + 1
    out = np.full(a.shape, np.inf)
    out[(a <= 0) & (d > 0)] = 0.0
    supply = a + (rq * (rday <= 0)).sum(axis=1)
    # work on the still-open SKUs only (compacted as they run out)
    idx = np.flatnonzero((out > 0) & (d > 0))
    cum = np.zeros(idx.size)
    sup, dd, rq_o, rd_o = supply[idx], d[idx], rq[idx], rday[idx]
    for k in range(1, lookahead + 1):
        if not idx.size:
            break
        cum += dd * prof_t[(end_weekday + k) % 7, idx]
        if k > 1 and rq_o.shape[1]:
            sup += (rq_o * (rd_o == k - 1)).sum(axis=1)
        hit = cum > sup + 1e-9
        if hit.any():
            out[idx[hit]] = k
            keep = ~hit
            idx, cum, sup, dd = idx[keep], cum[keep], sup[keep], dd[keep]
            rq_o, rd_o = rq_o[keep], rd_o[keep]
    return out


def stockout_risk(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    fbs_prep_days: np.ndarray,
    scheme: np.ndarray,
    available: np.ndarray,
    receipts_qty: np.ndarray,
    receipts_day: np.ndarray,
    mean_units_per_order: np.ndarray,
    discrete: np.ndarray,
    weekly_profile: np.ndarray,
    end_weekday: int,
    params: PlanParams,
    total: TotalDistribution | None = None,
) -> RiskResult:
    """All risk figures of a catalogue (see the module docstring); with ``total`` (the
    estimated distribution of demand over the horizon, ``ltd``) the stock-out probability and
    units short come from it."""
    d = np.maximum(np.asarray(mean_daily, np.float64), 0)
    sd = np.asarray(sd_daily, np.float64)
    lt = np.asarray(lead_time_mean, np.float64)
    h = lt + np.where(np.asarray(scheme) == FBS, np.asarray(fbs_prep_days, np.float64), 0)
    mu = h * d
    sigma = np.sqrt(h * sd * sd + d * d * np.asarray(lead_time_sd, np.float64) ** 2)
    due = (receipts_qty * (receipts_day <= h[:, None])).sum(axis=1)
    stock = np.asarray(available, np.float64) + due
    dist, r, p = choose_distribution(mu, sigma * sigma)
    dist = np.where(np.asarray(discrete) & (mu > 0), dist, DIST_NORMAL).astype(np.int8)
    if total is not None:
        prob = np.where(total.mean > 0, total.sf(stock), 0.0)
        short = np.where(total.mean > 0, total.loss(stock), 0.0)
    else:
        prob, short = normal_or_discrete_tail(stock, dist, mu, sigma, r, p)
    upo = np.maximum(np.asarray(mean_units_per_order, np.float64), 1.0)
    return RiskResult(
        horizon_days=h,
        stockout_probability=prob,
        expected_units_short=short,
        expected_cancelled_orders=short / upo,
        days_of_cover=days_of_cover(available, d),
        stockout_day=stockout_day(
            available,
            d,
            weekly_profile,
            end_weekday,
            receipts_qty,
            receipts_day,
            params.stockout_lookahead_days,
        ),
    )
