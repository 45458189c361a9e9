"""Backup suppliers: compare a SKU's supplier items on landed cost against the cancellations their
lead times would cause, and suggest the faster one when the primary cannot arrive in time.
Pure numpy, vectorised over (SKU, supplier item) options.

For an option with lead time L (mean μ_L, spread σ_L days) the units short before its goods
arrive are E[(D_L − S)⁺], D_L ~ Normal(d·μ_L, μ_L·σ_d² + d²·σ_L²), S = the stock the SKU has
(available, plus what is already on its way); cancelled orders = units short ÷ units per order.
Total cost = quantity × unit cost + cancelled orders × the penalty per cancelled order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .stats import normal_loss


@dataclass(frozen=True)
class OptionCosts:
    """Per option (o,)."""

    units_short: np.ndarray
    cancelled_orders: np.ndarray
    purchase_cost: np.ndarray
    total_cost: np.ndarray


def option_costs(
    *,
    sku: np.ndarray,
    lead_mean: np.ndarray,
    lead_sd: np.ndarray,
    unit_cost: np.ndarray,
    quantity: np.ndarray,
    demand_mean: np.ndarray,
    demand_sd: np.ndarray,
    stock: np.ndarray,
    units_per_order: np.ndarray,
    cancel_penalty: float,
) -> OptionCosts:
    """Costs of each option; per-SKU inputs (n,) are indexed by ``sku`` (o,)."""
    s = np.asarray(sku, dtype=np.int64)
    d = np.asarray(demand_mean, dtype=np.float64)[s]
    sd = np.asarray(demand_sd, dtype=np.float64)[s]
    L = np.maximum(np.asarray(lead_mean, dtype=np.float64), 0.0)
    sL = np.asarray(lead_sd, dtype=np.float64)
    mu = d * L
    sigma = np.sqrt(L * sd**2 + d**2 * sL**2)
    have = np.asarray(stock, dtype=np.float64)[s]
    safe = np.where(sigma > 0, sigma, 1.0)
    short = np.where(sigma > 0, sigma * normal_loss((have - mu) / safe), np.maximum(mu - have, 0))
    per_order = np.maximum(np.asarray(units_per_order, dtype=np.float64)[s], 1e-9)
    cancelled = short / per_order
    purchase = np.asarray(quantity, dtype=np.float64)[s] * np.asarray(unit_cost, dtype=np.float64)
    return OptionCosts(
        units_short=short,
        cancelled_orders=cancelled,
        purchase_cost=purchase,
        total_cost=purchase + cancelled * cancel_penalty,
    )


@dataclass(frozen=True)
class ExpediteChoice:
    """Per SKU (n,): the option to buy from instead of the primary, or −1."""

    backup: np.ndarray  # int64 option index, −1 = keep the primary
    primary: np.ndarray  # int64 option index of the primary, −1 = none


def choose_expedite(
    *,
    sku: np.ndarray,
    is_primary: np.ndarray,
    lead_mean: np.ndarray,
    total_cost: np.ndarray,
    days_of_cover: np.ndarray,
    n_skus: int,
) -> ExpediteChoice:
    """Suggest the cheapest (in total) faster option for SKUs whose primary arrives after the
    stock-out (its mean lead time exceeds the days of cover) when that option costs less in total
    than the primary."""
    s = np.asarray(sku, dtype=np.int64)
    prim = np.asarray(is_primary, dtype=bool)
    lead = np.asarray(lead_mean, dtype=np.float64)
    total = np.asarray(total_cost, dtype=np.float64)
    idx = np.arange(s.size)
    primary = np.full(n_skus, -1, dtype=np.int64)
    primary[s[prim]] = idx[prim]
    has = primary[s] >= 0
    p = np.where(has, primary[s], 0)
    cover = np.asarray(days_of_cover, dtype=np.float64)
    late = has & (lead[p] > cover[s])
    better = late & ~prim & (lead < lead[p]) & (total < total[p])
    best = np.full(n_skus, np.inf)
    np.minimum.at(best, s[better], total[better])
    backup = np.full(n_skus, -1, dtype=np.int64)
    winner = better & (total == best[s])
    backup[s[winner]] = idx[winner]  # ties: the later option index wins, deterministically
    return ExpediteChoice(backup=backup, primary=primary)
