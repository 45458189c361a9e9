"""Safety stock, reorder point, order-up-to level, order rounding and EOQ.

Notation (per SKU, units and days): d = forecast mean daily demand, σd = sd of the daily
demand (forecast error), L and σL = lead-time mean and sd, R = review period, P = L + R the
protection period.  Lead-time demand over P: μ = P·d, σ = √(P·σd² + d²·σL²).

* Cycle service level α: z = Φ⁻¹(α), safety stock SS = z·σ, reorder point s = μ + SS.
* Fill rate β (``PlanParams(service_target="fill_rate")``): the lost-sales (R, s, S) rule of
  ``fill_rate``: the units short of the period each review protects, averaged over where
  reviews leave the position (S after an order, S − C without one), equal (1 − β)/β·R·d.
  ``fill_rate_safety_factor`` is the textbook k with σ·G(k) = (1 − β)·Q.
* Slow and intermittent SKUs (PlanParams): lead-time demand is Poisson (σ² ≤ μ) or negative
  binomial by mean and variance; s is its α-quantile (cycle) or the fill-rate rule above on
  these distributions; SS = s − μ.
  Note: a quantile of a skewed distribution can *fall* as its variance grows at a fixed
  mean (NB mass piles up at 0), so under the cycle-service target the discrete safety stock
  is not monotone in σL; nor is the fill-rate s (a wider lead-time spread also widens the
  earlier period's shortfall, see ``fill_rate``).
* Periodic review (R, s, S): the reorder point s = μ + SS covers demand over the protection
  period L + R plus the safety stock; the order-up-to level S = s + Q adds one order cycle of
  expected demand, Q = max(R, 1)·d (or the EOQ when enabled), so a replenishment lasts about one
  review period and S − s is the cycle stock.  ``PlanParams(reorder_lift=ℓ)`` (cycle targets)
  then raises s to s + ℓ·Q with S unchanged: an order is due sooner, and is at least
  (1 − ℓ)·Q.  Replayed with lost sales on Online Retail with EOQ lots, ℓ = 0.5 holds fewer
  cancellations at equal stock than ℓ = 0 in both windows tried (bench/results/backtest.md):
  the (s, S) rule lets the position fall to s before ordering, so a demand that grows faster
  than the forecast meets only s; ℓ keeps the position within (1 − ℓ)·Q of S.  An order is due only when IP ≤ s (IP =
  available + on_order + in_transit); it is S − IP rounded up to the pack size and at least
  the MOQ.  Above s nothing is ordered, so a SKU is not re-ordered every night.  With no
  demand s = S = 0 and nothing is ordered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from .fill_rate import fill_rate_reorder_point
from .ltd import GRID_SIZE, TotalDistribution
from .schema import DIST_EMPIRICAL, DIST_NORMAL, INTERMITTENT, LUMPY, PlanParams
from .stats import (
    choose_distribution,
    discrete_ppf,
    inverse_normal_loss,
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
    units_per_order: np.ndarray | None = None,
) -> PolicyResult:
    """The whole replenishment policy of a catalogue (see the module docstring).

    With ``total`` (the estimated distribution of demand over P, ``ltd``) the lead-time demand
    mean, sd and the reorder point come from it instead of the normal / discrete model.
    ``units_per_order`` (mean units per customer order line): under the fill-rate target
    S is at least s + one line.
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
        rop = fill_rate_reorder_point(
            sl, d, sd_daily, lead_time_mean, lead_time_sd, rv, cycle_q, mu, sigma, discrete, total
        )
    elif total is not None:
        rop = total.quantile(sl)
    else:
        rop = mu + special.ndtri(sl) * sigma
        if discrete.any():
            i = np.flatnonzero(discrete)
            q = discrete_ppf(sl[i], dist[i], mu[i], r[i], p[i])
            rop[i] = np.where(np.isfinite(q), q, rop[i])  # degenerate NB: keep the normal value
    if total is not None:  # the moments and the distribution's name come from it too
        mu = np.where(total.mean > 1e-9, total.mean, 0.0)
        sigma = total.sd()
        dist = np.full(mu.shape, DIST_EMPIRICAL, np.int8)
    ss = rop - mu
    # a fill-rate reorder point may sit below the mean: one lot alone can fill beyond the target
    if not params.allow_negative_safety_stock and not fill:
        ss = np.maximum(ss, 0)
        rop = mu + ss
    rop = np.where(mu > 0, rop, 0.0)
    ss = np.where(mu > 0, ss, 0.0)
    # S = s + one order cycle of demand (R·d, or the EOQ when enabled): see the docstring
    out = np.where(mu > 0, rop + cycle_q, 0.0)
    if fill and units_per_order is not None:
        # a fill rate counts units: S holds at least one mean order line above s, so one
        # customer's line finds the stock a lot smaller than the line would not give it
        out = np.where(mu > 0, np.maximum(out, rop + np.maximum(_f64(units_per_order), 1.0)), 0.0)
    if params.reorder_lift > 0 and not fill:  # s + lift·Q, S unchanged
        rop = np.where(mu > 0, rop + params.reorder_lift * cycle_q, 0.0)
        ss = np.where(mu > 0, rop - mu, 0.0)
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
    log_lambda: float | None = None,
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
    their level.  ``log_lambda`` (log λ, as ``allocation_log_lambda`` finds it over a whole
    catalogue read in chunks) gives the levels at that λ without a budget.
    """
    t, c, w, ok = _allocation_weights(levels, quantile, unit_cost, units_per_order, cycle, cap)
    if log_lambda is not None:
        return _levels_at(log_lambda, t, w, ok, floor, cap)
    if not ok.any():
        return t.copy()
    held = _spend(t, quantile, c, ok) if budget is None else float(budget)

    def at(log_lam: float) -> tuple[np.ndarray, float]:
        lv = _levels_at(log_lam, t, w, ok, floor, cap)
        return lv, _spend(lv, quantile, c, ok)

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


def _allocation_weights(levels, quantile, unit_cost, units_per_order, cycle, cap):
    t = np.clip(_f64(levels), 1e-6, 1 - 1e-9)
    c = np.maximum(_f64(unit_cost), 0) * np.ones_like(t)
    w = c * np.maximum(_f64(units_per_order), 1.0) * np.maximum(_f64(cycle), 1e-9)
    ok = (w > 0) & (quantile(np.full(t.shape, cap)) > 0)
    return t, c, w, ok


def _levels_at(log_lam: float, t, w, ok, floor: float, cap: float) -> np.ndarray:
    """The allocation's levels at one λ: 1 − λ·wᵢ within [floor, cap] for the SKUs taking
    part, their own level ``t`` for the rest."""
    return np.where(ok, np.clip(1 - np.exp(log_lam) * w, floor, cap), t)


def _spend(levels: np.ndarray, quantile, c: np.ndarray, ok: np.ndarray) -> float:
    """Σ cᵢ·qᵢ(levelᵢ) over the SKUs taking part: the stock value those levels hold."""
    return float((c * quantile(levels))[ok].sum())


# log λ where a chunk's spending is tabulated: λ·w spans [1 − cap, 1 − floor] for weights
# w = cost × units per order × cycle days from 1e-4 to 1e9
LOG_LAMBDAS = np.linspace(-30.0, 10.0, 801)


@dataclass(frozen=True)
class AllocationSpend:
    """One part of a catalogue for ``allocation_log_lambda``: the stock value Σ cᵢ·sᵢ its SKUs
    would hold at each log λ of ``LOG_LAMBDAS`` (money), and what their own levels hold."""

    spent: np.ndarray
    held: float


def allocation_spend(
    levels: np.ndarray,
    quantile: Callable[[np.ndarray], np.ndarray],
    unit_cost: np.ndarray,
    units_per_order: np.ndarray | float = 1.0,
    cycle: np.ndarray | float = 1.0,
    floor: float = 0.5,
    cap: float = 0.999,
) -> AllocationSpend:
    """The stock value of ``allocate_levels`` at every log λ of ``LOG_LAMBDAS``, and at the
    SKUs' own ``levels`` (the budget), for SKUs that take part (cost and demand)."""
    t, c, w, ok = _allocation_weights(levels, quantile, unit_cost, units_per_order, cycle, cap)
    if not ok.any():
        return AllocationSpend(np.zeros(LOG_LAMBDAS.size), 0.0)
    held = _spend(t, quantile, c, ok)
    spent = np.empty(LOG_LAMBDAS.size)
    for k, log_lam in enumerate(LOG_LAMBDAS):
        spent[k] = _spend(_levels_at(log_lam, t, w, ok, floor, cap), quantile, c, ok)
    return AllocationSpend(spent, held)


def allocation_log_lambda(parts: Sequence[AllocationSpend]) -> float | None:
    """log λ at which the parts together spend what their own levels hold (the catalogue's
    budget), by interpolation in the summed table (spending falls as λ grows); None when no
    SKU takes part.  Every chunk of a run then reads its levels at this one λ, so the stock
    is spread over the catalogue, not within each chunk."""
    if not parts:
        return None
    spent = np.sum([p.spent for p in parts], axis=0)
    held = float(sum(p.held for p in parts))
    if held <= 0 or spent[0] <= 0:
        return None
    if held >= spent[0]:
        return float(LOG_LAMBDAS[0])
    if held <= spent[-1]:
        return float(LOG_LAMBDAS[-1])
    # the first λ within the budget and the one before it
    k = int(np.argmax(spent <= held))
    a, b = spent[k - 1], spent[k]
    u = 0.0 if a == b else (a - held) / (a - b)
    return float(LOG_LAMBDAS[k - 1] + u * (LOG_LAMBDAS[k] - LOG_LAMBDAS[k - 1]))
