"""Safety stock, reorder point, order-up-to level, order rounding and EOQ.

Notation (per SKU, units and days): d = forecast mean daily demand, σd = sd of the daily
demand (forecast error), L and σL = lead-time mean and sd, R = review period, P = L + R the
protection period.  Lead-time demand over P: μ = P·d, σ = √(P·σd² + d²·σL²).

* Cycle service level α: z = Φ⁻¹(α), safety stock SS = z·σ, reorder point s = μ + SS.
* Fill rate β: expected units short per cycle σ·G(k) = (1 − β)·Q, with Q the expected
  demand per replenishment cycle (R·d, or the EOQ when enabled); SS = k·σ.
* Slow and intermittent SKUs (PlanParams): lead-time demand is Poisson (σ² ≤ μ) or negative
  binomial by mean and variance; s is its α-quantile (cycle) or the smallest integer with
  E[(X − s)⁺] ≤ (1 − β)·Q (fill rate); SS = s − μ.
  Note: a quantile of a skewed distribution can *fall* as its variance grows at a fixed
  mean (NB mass piles up at 0), so under the cycle-service target the discrete safety stock
  is not monotone in σL; under the fill-rate target it is (NB grows in the convex order
  with its variance, so its loss function does).
* Periodic review (R, s, S): the reorder point s = μ + SS covers demand over the protection
  period L + R plus the safety stock; the order-up-to level S = s + Q adds one order cycle of
  expected demand, Q = max(R, 1)·d (or the EOQ when enabled), so a replenishment lasts about one
  review period and S − s is the cycle stock.  An order is due only when IP ≤ s (IP =
  available + on_order + in_transit); it is S − IP rounded up to the pack size and at least
  the MOQ.  Above s nothing is ordered, so a SKU is not re-ordered every night.  With no
  demand s = S = 0 and nothing is ordered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from .ltd import GRID_SIZE, TotalDistribution
from .schema import DIST_EMPIRICAL, DIST_NORMAL, INTERMITTENT, LUMPY, PlanParams
from .stats import (
    choose_distribution,
    discrete_inverse_loss,
    discrete_loss,
    discrete_ppf,
    inverse_normal_loss,
    normal_loss,
)


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def lead_time_demand(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    review_days: np.ndarray | float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and sd of demand over P = L + R days: (P·d, √(P·σd² + d²·σL²)), units."""
    d, sd = _f64(mean_daily), _f64(sd_daily)
    p = _f64(lead_time_mean) + _f64(review_days)
    return p * d, np.sqrt(p * sd * sd + d * d * _f64(lead_time_sd) ** 2)


def reorder_point(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    review_days: np.ndarray,
    service_level: np.ndarray,
) -> np.ndarray:
    """Reorder point for normal demand, units: (L+R)·d + z·√((L+R)·σd² + d²·σL²), z = Φ⁻¹(α).

    Arrays (or scalars) broadcast together; service_level is a cycle service level in (0, 1).
    """
    mu, sigma = lead_time_demand(mean_daily, sd_daily, lead_time_mean, lead_time_sd, review_days)
    return mu + special.ndtri(_f64(service_level)) * sigma


def safety_stock(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    review_days: np.ndarray,
    service_level: np.ndarray,
) -> np.ndarray:
    """Cycle-service safety stock z·σ over L + R (normal demand), floored at 0; units."""
    _, sigma = lead_time_demand(mean_daily, sd_daily, lead_time_mean, lead_time_sd, review_days)
    return np.maximum(special.ndtri(_f64(service_level)) * sigma, 0.0)


def fill_rate_safety_factor(
    fill_rate: np.ndarray, cycle_demand: np.ndarray, sigma: np.ndarray
) -> np.ndarray:
    """k solving the standard normal loss equation G(k) = (1 − β)·Q/σ (k = −6 when σ = 0)."""
    sigma = _f64(sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(sigma > 0, (1 - _f64(fill_rate)) * _f64(cycle_demand) / sigma, np.inf)
    return inverse_normal_loss(np.broadcast_to(g, np.broadcast(g, sigma).shape).copy())


def eoq(annual_demand: np.ndarray, order_cost: float, holding_cost_year: np.ndarray) -> np.ndarray:
    """Economic order quantity √(2·D·K/h), units (0 when D, K or h is 0)."""
    dem, h = _f64(annual_demand), _f64(holding_cost_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.sqrt(2 * dem * order_cost / h)
    return np.where((h > 0) & (dem > 0) & (order_cost > 0), q, 0.0)


def round_order(qty: np.ndarray, moq: np.ndarray, pack_size: np.ndarray) -> np.ndarray:
    """Round a wanted quantity up to a whole number of packs and at least the MOQ.

    0 stays 0; otherwise q = max(qty, moq) rounded up to a multiple of pack_size (pack ≤ 1
    means single units), so the result is ≥ qty, ≥ moq and a multiple of the pack.
    """
    qty, moq = _f64(qty), _f64(moq)
    pack = np.maximum(_f64(pack_size), 1.0)
    want = np.maximum(qty, moq)
    # tolerance against float noise such as 29.999999
    packs = np.ceil(want / pack - 1e-9)
    return np.where(qty > 1e-9, packs * pack, 0.0)


def _fill_rate_rop(
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
    iterations: int = 40,
) -> np.ndarray:
    """Reorder point s whose fill rate is β in a lost-sales (R, s, S) review.

    A review leaves the position x about half a lot above s on average; the units short that
    belong to the period are those over L + R less those over L alone (the earlier order's),
    E[(X_P − x)⁺] − E[(X_L − x)⁺], and lost sales fill Q/(Q + short) rather than 1 − short/Q,
    so short = (1 − β)/β·R·d.  x is bisected between 0 and L_P⁻¹(short); X_L has the model's demand moments over L (no lead-time
    spread, so more of it never lowers s), or the total's shape scaled to L (mean × L/P,
    spread × √(L/P)).  s = x − lot/2, at least 0.
    """
    short = (1 - beta) / beta * np.maximum(review_days, 1) * d
    lt = np.maximum(_f64(lead_time_mean), 0) * np.ones_like(d)
    frac = np.where(lt + review_days > 0, lt / np.maximum(lt + review_days, 1e-9), 0.0)
    if total is not None:
        g = total.grid()
        m = np.where(total.mean > 1e-9, total.mean, 0.0)
        g_l = np.maximum(m[:, None] * frac[:, None] + (g - m[:, None]) * np.sqrt(frac)[:, None], 0)

        def inv_p(t):
            return total.inverse_loss(t)

        def loss_p(x):
            return total.loss(x)

        def loss_l(x):
            return np.maximum(g_l - x[:, None], 0).mean(axis=1)
    else:
        # without the lead-time spread: a late arrival's shortfall stays this period's risk
        mu_l, sig_l = lead_time_demand(d, sd_daily, lt, 0.0, 0.0)
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

        def loss_p(x):
            out = np.where(sigma > 0, sigma * normal_loss((x - mu) / safe), 0)
            out = np.maximum(out, np.maximum(mu - x, 0))
            if i.size:
                q = discrete_loss(np.floor(x[i]), dist[i], mu[i], r[i], p[i])
                out[i] = np.where(np.isfinite(q), q, out[i])
            return out

        def loss_l(x):
            out = np.where(sig_l > 0, sig_l * normal_loss((x - mu_l) / safe_l), 0)
            out = np.maximum(out, np.maximum(mu_l - x, 0))
            if i.size:
                q = discrete_loss(np.floor(x[i]), dist_l[i], mu_l[i], r_l[i], p_l[i])
                out[i] = np.where(np.isfinite(q), q, out[i])
            return out

    # L_P − L_L falls in x (its slope is P(X_L > x) − P(X_P > x) ≤ 0): bisect between 0
    # and the plain root (L_L ≥ 0, so it is an upper bound)
    lo, hi = np.zeros_like(d), np.maximum(inv_p(short), 0)
    # Far below both distributions L_P − L_L is flat at R·d, which β = ½ asks for exactly:
    # there any x meets the target and rounding noise would pick one at random; the tolerance
    # takes the smallest.
    allowed = short * (1 + 1e-9) + 1e-12
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        over = loss_p(mid) - loss_l(mid) > allowed
        lo, hi = np.where(over, mid, lo), np.where(over, hi, mid)
    return np.maximum(hi - 0.5 * lot, 0.0)


@dataclass(frozen=True)
class PolicyResult:
    """Inventory policy per SKU (float64 (n,) in units unless stated)."""

    lead_time_demand_mean: np.ndarray
    lead_time_demand_sd: np.ndarray
    distribution: np.ndarray  # int8 DISTRIBUTION_NAMES
    nb_r: np.ndarray  # negative-binomial r (nan unless distribution == negbin)
    nb_p: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    order_up_to: np.ndarray
    inventory_position: np.ndarray
    suggested_order: np.ndarray
    eoq: np.ndarray


def use_discrete(demand_class: np.ndarray, ltd_mean: np.ndarray, params: PlanParams) -> np.ndarray:
    """True where lead-time demand is modelled as Poisson / negative binomial."""
    return np.isin(demand_class, (INTERMITTENT, LUMPY)) | (
        _f64(ltd_mean) < params.discrete_mean_below
    )


def compute_policy(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    review_days: np.ndarray,
    service_level: np.ndarray,
    demand_class: np.ndarray,
    unit_cost: np.ndarray,
    moq: np.ndarray,
    pack_size: np.ndarray,
    inventory_position: np.ndarray,
    params: PlanParams,
    total: TotalDistribution | None = None,
) -> PolicyResult:
    """The whole replenishment policy of a catalogue (see the module docstring).

    With ``total`` (the estimated distribution of demand over P, ``ltd``) the lead-time demand
    mean, sd and the reorder point come from it instead of the normal / discrete model.
    """
    d = np.maximum(_f64(mean_daily), 0)
    rv = np.maximum(_f64(review_days), 0)
    sl = np.clip(_f64(service_level), 1e-6, 1 - 1e-9)
    mu, sigma = lead_time_demand(d, sd_daily, lead_time_mean, lead_time_sd, rv)
    q_eoq = (
        eoq(365 * d, params.order_cost, params.holding_rate_year * _f64(unit_cost))
        if params.use_eoq
        else np.zeros_like(d)
    )
    cycle_q = np.where(q_eoq > 0, q_eoq, np.maximum(rv, 1) * d)

    mu = np.where(mu > 1e-9, mu, 0.0)  # denormal demand is no demand
    discrete = use_discrete(demand_class, mu, params) & (mu > 0)
    dist, r, p = choose_distribution(mu, sigma * sigma)
    dist = np.where(discrete, dist, DIST_NORMAL).astype(np.int8)

    fill = params.service_target == "fill_rate"
    if fill:
        rop = _fill_rate_rop(
            sl, d, sd_daily, lead_time_mean, lead_time_sd, rv, cycle_q, mu, sigma, discrete, total
        )
        if total is not None:
            mu = np.where(total.mean > 1e-9, total.mean, 0.0)
            sigma = total.sd()
            dist = np.full(mu.shape, DIST_EMPIRICAL, np.int8)
    else:
        rop = mu + special.ndtri(sl) * sigma
        if discrete.any():
            i = np.flatnonzero(discrete)
            q = discrete_ppf(sl[i], dist[i], mu[i], r[i], p[i])
            rop[i] = np.where(np.isfinite(q), q, rop[i])  # degenerate NB: keep the normal value
        if total is not None:
            mu = np.where(total.mean > 1e-9, total.mean, 0.0)
            sigma = total.sd()
            dist = np.full(mu.shape, DIST_EMPIRICAL, np.int8)
            rop = total.quantile(sl)
    ss = rop - mu
    # a fill-rate reorder point may sit below the mean: one lot alone can fill beyond the target
    if not params.allow_negative_safety_stock and not fill:
        ss = np.maximum(ss, 0)
        rop = mu + ss
    rop = np.where(mu > 0, rop, 0.0)
    ss = np.where(mu > 0, ss, 0.0)
    # S = s + one order cycle of demand (R·d, or the EOQ when enabled): see the docstring
    out = np.where(mu > 0, rop + cycle_q, 0.0)
    ip = _f64(inventory_position)
    trigger = (ip <= rop) & (mu > 0)
    want = np.where(trigger, np.maximum(out - ip, 0), 0.0)
    order = round_order(want, moq, pack_size)
    return PolicyResult(
        lead_time_demand_mean=mu,
        lead_time_demand_sd=sigma,
        distribution=dist,
        nb_r=r,
        nb_p=p,
        safety_stock=ss,
        reorder_point=rop,
        order_up_to=out,
        inventory_position=ip,
        suggested_order=order,
        eoq=q_eoq,
    )


def value_weighted_levels(
    service_level: np.ndarray,
    unit_cost: np.ndarray,
    mean_daily: np.ndarray,
    units_per_order: np.ndarray | float = 1.0,
    floor: float = 0.5,
    cap: float = 0.999,
) -> np.ndarray:
    """Per-SKU cycle-service levels that spend stock where it saves the most cancellations.

    One more unit of reorder point on SKU i cuts its expected units short per cycle by
    P(Xᵢ > sᵢ) and adds cᵢ (unit cost) to the stock held; a cancelled order is uᵢ units
    (``units_per_order``).  The catalogue's cancellations at a given stock value are lowest when
    P(Xᵢ > sᵢ) / (cᵢ·uᵢ) is the same for every SKU (Lagrange), so the stock-out risk is set in
    proportion to wᵢ = cᵢ·uᵢ: 1 − αᵢ = (1 − tᵢ)·wᵢ / w̄, with w̄ = Σ dᵢwᵢ / Σ dᵢ the
    demand-weighted mean weight (d = ``mean_daily``), so a uniform target t keeps its
    demand-weighted risk 1 − t.  Levels are clipped to [``floor``, ``cap``]; SKUs without
    demand or cost keep their target.
    """
    t = np.clip(_f64(service_level), 1e-6, 1 - 1e-9)
    w = np.maximum(_f64(unit_cost), 0) * np.maximum(_f64(units_per_order), 1.0)
    d = np.maximum(_f64(mean_daily), 0)
    ok = (w > 0) & (d > 0)
    if not ok.any():
        return t.copy()
    w_bar = float((d * w)[ok].sum() / d[ok].sum())
    level = 1 - (1 - t) * w / w_bar
    return np.where(ok, np.clip(level, floor, cap), t)


def grid_quantile(total: TotalDistribution, levels: np.ndarray) -> np.ndarray:
    """``total.quantile(levels)`` for one level per SKU in O(n): the grid's levels are evenly
    spaced ((j + ½) / G), so the knot left of a level is found by arithmetic, not a search."""
    g = total.grid()
    x = np.asarray(levels, np.float64) * GRID_SIZE - 0.5
    i = np.clip(np.floor(x), 0, GRID_SIZE - 2).astype(np.intp)
    u = np.clip(x - i, 0.0, 1.0)
    r = np.arange(g.shape[0])
    lo = g[r, i]
    return lo + u * (g[r, i + 1] - lo)


def cycle_days(
    mean_daily: np.ndarray, review_days: np.ndarray, unit_cost: np.ndarray, params: PlanParams
) -> np.ndarray:
    """Days between two chances to run out: one order cycle, max(Q / d, R) (Q the EOQ when
    enabled, else R·d, so R)."""
    d = np.maximum(_f64(mean_daily), 0)
    rv = np.maximum(_f64(review_days), 1) * np.ones_like(d)
    if not params.use_eoq:
        return rv
    q = eoq(365 * d, params.order_cost, params.holding_rate_year * _f64(unit_cost))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((q > 0) & (d > 0), np.maximum(q / d, rv), rv)


def allocate_levels(
    levels: np.ndarray,
    quantile: Callable[[np.ndarray], np.ndarray],
    unit_cost: np.ndarray,
    units_per_order: np.ndarray | float = 1.0,
    cycle: np.ndarray | float = 1.0,
    floor: float = 0.5,
    cap: float = 0.999,
    budget: float | None = None,
    iterations: int = 60,
) -> np.ndarray:
    """Per-SKU cycle-service levels with the fewest expected cancelled orders for a stock value.

    Raising SKU i's reorder point sᵢ by one unit costs cᵢ (``unit_cost``) of stock and saves
    P(Xᵢ > sᵢ) units short per order cycle, i.e. P(Xᵢ > sᵢ) / (uᵢ·Tᵢ) cancelled orders a day
    (uᵢ ``units_per_order``, Tᵢ ``cycle`` days).  Units short are convex in s, so the
    catalogue's cancellations for Σ cᵢ·sᵢ = B are lowest (Lagrange) where every SKU's risk is
    P(Xᵢ > sᵢ) = λ·cᵢ·uᵢ·Tᵢ: levels 1 − λ·wᵢ kept in [``floor``, ``cap``], λ found by bisection
    so that Σ cᵢ·qᵢ(level) = B.  ``quantile`` maps one level per SKU to units of demand over the
    protection period; B defaults to the stock the SKUs' own ``levels`` hold, so the result
    spends the same money with fewer expected cancellations.  SKUs without cost or demand keep
    their level.
    """
    t = np.clip(_f64(levels), 1e-6, 1 - 1e-9)
    c = np.maximum(_f64(unit_cost), 0) * np.ones_like(t)
    w = c * np.maximum(_f64(units_per_order), 1.0) * np.maximum(_f64(cycle), 1e-9)
    ok = (w > 0) & (quantile(np.full(t.shape, cap)) > 0)
    if not ok.any():
        return t.copy()
    held = float((c * quantile(t))[ok].sum()) if budget is None else float(budget)

    def at(log_lam: float) -> tuple[np.ndarray, float]:
        lv = np.where(ok, np.clip(1 - np.exp(log_lam) * w, floor, cap), t)
        return lv, float((c * quantile(lv))[ok].sum())

    lo = float(np.log((1 - cap) / w[ok].max()))  # every SKU at the cap: the most stock
    hi = float(np.log((1 - floor) / w[ok].min()))  # every SKU at the floor: the least
    best, spent = at(hi)
    if spent >= held:
        return best
    top, spent = at(lo)
    if spent <= held:
        return top
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        lv, spent = at(mid)
        if spent > held:
            lo = mid
        else:  # within the budget: keep it
            hi, best = mid, lv
    return best
