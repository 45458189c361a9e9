"""FBO or FBS: expected monthly cost of each scheme, recommendation with reasons, FBO sends.

Only what *differs* between the schemes is costed; what both pay (the supplier's order cycle,
the stock at the seller's warehouse that buys it, commissions, the marketplace's volume-based
logistics paid in both schemes alike) cancels out.  Money per month (30 days), per SKU.

Notation: d = mean daily demand (units/day), σd its daily sd, u = mean units per order,
v = litres per unit, c = unit cost, z = max(0, Φ⁻¹(service level)), U = 30·d units and
O = U/u orders a month.  FBO warehouses w = 1…W with demand share s_w (zero rows spread
evenly), transit T_w days, supplies every R_f = ``Tariffs.fbo_supply_days`` days; the FBS
protection period is L + R + prep (supplier lead time, review, packing).

FBO (the marketplace stores, picks and ships):
  stock kept at the marketplace (cycle + safety stock per warehouse, by demand share)
      I = Σ_w max(1, d·s_w·R_f/2 + z·σd·√(s_w·(T_w + R_f)))  (a shelf needs one unit),
      pipeline P = d·Σ_w s_w·T_w;
  delivery  = O · (logistics per order + per litre · v)            (marketplace logistics)
  inbound   = U · (inbound per unit + inbound per litre · v)        (acceptance, trunking)
            + W_used · (30/R_f) · inbound per supply line            (one line per SKU, per
              supply, per warehouse: labelling, documents, slot; W_used = warehouses with
              a demand share)
  storage   = max(0, I − d·free days) · v · storage per litre-day · 30  (FIFO: the units
              older than the free period are the stock beyond d·free days)
  stranded  = max(0, I − d·stranded_after_days) · removal per unit · 30/stranded_after_days
              (stock that will not sell in time is taken back: removal fee, once a cycle)
  capital   = (I + P − SS) · c · capital rate/12, the stock FBO ties up *beyond* the FBS
              safety stock SS (split safety stock, FBO cycle stock and the road).
  non-local = U · p · n · surcharge, p the sale price and n the share of FBO orders shipped
              from outside the buyer's cluster (``fbo.nonlocal_share``; Ozon charges up to 8 %
              of the price on those, ``Tariffs.fbo_nonlocal_surcharge``).
FBS (the seller stores, picks and packs; the marketplace collects and delivers):
  delivery  = O · (logistics per order + per litre · v + FBS processing per order)
  handling  = O · own handling per order (pick, pack, label, packaging)
  storage   = (d·R/2 + SS) · v · own storage per litre-day · 30
  cancellations = E[units short per cycle] · (30/R) / u · cancel penalty: the shortage of
              the order-up-to level S against demand over L + R + prep (normal loss); the
              penalty is what the marketplace really charged per cancellation where known
              (``cancel_penalty``), else the flat ``Tariffs.fbs_cancel_penalty``.

So per order FBS costs the processing fee and the own handling more (tens of percent); FBO
pays per unit and per supply line to get stock there and for the stock it keeps.  Fast,
steady, compact movers go FBO; slow, intermittent (fixed supply-line cost, minimum stock,
stranding), bulky (inbound and storage per litre) or volatile (split safety stock) SKUs
stay FBS.

Recommendation with hysteresis: a SKU keeps its current scheme unless the other one saves
at least ``decision_margin`` of the current cost *and* ``decision_min_saving`` a month.
With no demand the recommendation is FBS (nothing to send).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from .schema import (
    FBO,
    FBS,
    R_BULKY,
    R_FBO_CHEAPER,
    R_FBO_STRANDED,
    R_FBS_CANCEL_RISK,
    R_FBS_CHEAPER,
    R_HIGH_VELOCITY,
    R_LOW_VELOCITY,
    R_NO_DEMAND,
    FboSnapshot,
    Tariffs,
)
from .stats import normal_loss

MONTH = 30.0


@dataclass(frozen=True)
class FulfilmentResult:
    """Monthly costs (money), recommendation and FBO sends per SKU."""

    fbo_monthly_cost: np.ndarray
    fbs_monthly_cost: np.ndarray
    fbo_storage: np.ndarray
    fbo_inbound: np.ndarray
    fbo_delivery: np.ndarray
    fbo_stranded: np.ndarray
    fbo_capital: np.ndarray
    fbo_stock: np.ndarray  # I: units the marketplace must hold (cycle + safety)
    fbs_handling_delivery: np.ndarray
    fbs_storage: np.ndarray
    fbs_cancellations: np.ndarray
    fbs_cancelled_orders_month: np.ndarray
    recommended_scheme: np.ndarray  # int8 SCHEME_NAMES
    scheme_reasons: np.ndarray  # int32 bitmask REASON_NAMES
    fbo_shipment: np.ndarray  # (n, W)
    fbo_nonlocal: np.ndarray | None = None  # surcharges on orders from another cluster


def _share(fbo: FboSnapshot | None, n: int) -> np.ndarray | None:
    if fbo is None:
        return None
    s = np.maximum(np.asarray(fbo.demand_share, np.float64), 0)
    tot = s.sum(axis=1, keepdims=True)
    w = s.shape[1]
    return np.where(tot > 0, s / np.where(tot > 0, tot, 1), 1.0 / max(w, 1))


def _z(service_level: np.ndarray) -> np.ndarray:
    sl = np.clip(np.asarray(service_level, np.float64), 1e-6, 1 - 1e-9)
    return np.maximum(special.ndtri(sl), 0)


def fbo_targets(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    service_level: np.ndarray,
    review_days: np.ndarray,
    share: np.ndarray,
    transit_days: np.ndarray,
) -> np.ndarray:
    """Stock position each FBO warehouse needs, (n, W) units: demand over transit + review
    plus safety stock, d·s_w·(T_w + R) + z·σd·√(s_w·(T_w + R))."""
    d = np.maximum(np.asarray(mean_daily, np.float64), 0)[:, None]
    sd = np.maximum(np.asarray(sd_daily, np.float64), 0)[:, None]
    z = _z(service_level)[:, None]
    p = np.asarray(transit_days, np.float64)[None, :] + np.asarray(review_days, np.float64).reshape(
        -1, 1
    )
    return d * share * p + z * sd * np.sqrt(share * p)


def fbo_shipments(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    service_level: np.ndarray,
    review_days: np.ndarray,
    pack_size: np.ndarray,
    available: np.ndarray,
    fbo: FboSnapshot,
    send: np.ndarray,
) -> np.ndarray:
    """Units to send to each FBO warehouse, (n, W).

    For warehouse w the target position is ``fbo_targets`` (transit, review period and
    safety stock at that warehouse); a shipment is due only where the position (stock + in
    transit) is *below* it, and is target − position rounded up to whole packs.  If the sum
    exceeds ``available`` all sends are scaled down (whole packs).  Zero where ``send`` is
    False (SKUs that do not sell through FBO) or demand is zero.
    """
    n = np.shape(mean_daily)[0]
    share = _share(fbo, n)
    target = fbo_targets(mean_daily, sd_daily, service_level, review_days, share, fbo.transit_days)
    have = np.asarray(fbo.stock, np.float64)
    if fbo.in_transit is not None:
        have = have + np.asarray(fbo.in_transit, np.float64)
    need = np.where(have < target - 1e-9, target - have, 0.0)
    pack = np.maximum(np.asarray(pack_size, np.float64), 1)[:, None]
    qty = np.ceil(need / pack - 1e-9) * pack
    total = qty.sum(axis=1)
    avail = np.maximum(np.asarray(available, np.float64), 0)
    over = total > avail
    if over.any():
        scale = np.where(over, avail / np.where(total > 0, total, 1), 1.0)[:, None]
        qty = np.where(over[:, None], np.floor(qty * scale / pack) * pack, qty)
    off = ~np.asarray(send, bool) | ~(np.asarray(mean_daily, np.float64) > 0)
    qty[off] = 0
    return qty


def choose_fulfilment(
    mean_daily: np.ndarray,
    sd_daily: np.ndarray,
    service_level: np.ndarray,
    review_days: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    fbs_prep_days: np.ndarray,
    safety_stock: np.ndarray,
    order_up_to: np.ndarray,
    volume_l: np.ndarray,
    unit_cost: np.ndarray,
    mean_units_per_order: np.ndarray,
    pack_size: np.ndarray,
    available: np.ndarray,
    fbo: FboSnapshot | None,
    tariffs: Tariffs,
    default_transit_days: float = 3.0,
    current_scheme: np.ndarray | None = None,
    sale_price: np.ndarray | None = None,
    cancel_penalty: np.ndarray | None = None,
) -> FulfilmentResult:
    """Costs of both schemes, the recommendation and its reasons (module docstring).

    ``current_scheme`` (default all FBS) anchors the hysteresis.  FBO shipments go to the
    SKUs that sell through FBO: ``fbo.enabled``, by default ``current_scheme == FBO``.
    Without ``fbo`` one FBO warehouse ``default_transit_days`` away is assumed (no sends).
    """
    f64 = np.float64
    t = tariffs
    d = np.maximum(np.asarray(mean_daily, f64), 0)
    sd = np.maximum(np.asarray(sd_daily, f64), 0)
    n = d.shape[0]
    rv = np.maximum(np.asarray(review_days, f64), 1)
    rf = max(float(t.fbo_supply_days), 1.0)
    vol = np.maximum(np.asarray(volume_l, f64), 0)
    cost = np.maximum(np.asarray(unit_cost, f64), 0)
    upo = np.maximum(np.asarray(mean_units_per_order, f64), 1)
    ss = np.maximum(np.asarray(safety_stock, f64), 0)
    units = MONTH * d
    orders = units / upo
    current = np.full(n, FBS, np.int8) if current_scheme is None else np.asarray(current_scheme)

    # --- FBO ---
    share = _share(fbo, n)
    transit = (
        np.asarray(fbo.transit_days, f64) if fbo is not None else np.array([default_transit_days])
    )
    if share is None:
        share = np.ones((n, 1))
    target = fbo_targets(d, sd, service_level, np.full(n, rf), share, transit)
    # the target is the position right after a supply; on average half a cycle has sold;
    # a warehouse that is to sell the SKU needs at least one unit on its shelf
    per_wh = np.maximum(target - d[:, None] * share * (transit[None, :] + rf / 2), 0)
    per_wh = np.where((share > 0) & (d[:, None] > 0), np.maximum(per_wh, 1.0), 0.0)
    fbo_stock = per_wh.sum(axis=1)
    pipeline = d * (share * transit[None, :]).sum(axis=1)
    lines = (share > 0).sum(axis=1) * (MONTH / rf)
    delivery = orders * (t.logistics_per_order + t.logistics_per_litre * vol)
    inbound = units * (t.fbo_inbound_per_unit + t.fbo_inbound_per_litre * vol)
    inbound = inbound + np.where(d > 0, lines * t.fbo_inbound_per_supply_line, 0.0)
    aged = np.maximum(fbo_stock - d * t.fbo_free_storage_days, 0)
    storage = aged * vol * t.fbo_storage_per_litre_day * MONTH
    stranded_units = np.maximum(fbo_stock - d * t.fbo_stranded_after_days, 0)
    stranded = stranded_units * t.fbo_removal_per_unit * MONTH / t.fbo_stranded_after_days
    capital = np.maximum(fbo_stock + pipeline - ss, 0) * cost * t.capital_rate_year / 12
    nonlocal_cost = np.zeros(n)
    if fbo is not None and fbo.nonlocal_share is not None and sale_price is not None:
        away = np.clip(np.nan_to_num(np.asarray(fbo.nonlocal_share, f64)), 0, 1)
        price = np.maximum(np.asarray(sale_price, f64), 0)
        nonlocal_cost = units * price * away * max(t.fbo_nonlocal_surcharge, 0.0)
    fbo_cost = delivery + inbound + storage + stranded + capital + nonlocal_cost

    # --- FBS ---
    fbs_delivery = orders * (
        t.logistics_per_order + t.logistics_per_litre * vol + t.fbs_processing_per_order
    )
    hd = fbs_delivery + orders * t.fbs_handling_per_order
    own_storage = (d * rv / 2 + ss) * vol * t.own_storage_per_litre_day * MONTH
    prot = np.asarray(lead_time_mean, f64) + rv + np.maximum(np.asarray(fbs_prep_days, f64), 0)
    mu = prot * d
    sig = np.sqrt(prot * sd * sd + d * d * np.asarray(lead_time_sd, f64) ** 2)
    s_level = np.asarray(order_up_to, f64)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(sig > 0, (s_level - mu) / np.where(sig > 0, sig, 1), 0)
    short_cycle = np.where(sig > 0, sig * normal_loss(k), np.maximum(mu - s_level, 0))
    p_cycle = np.where(sig > 0, special.ndtr(-k), (mu > s_level).astype(f64))
    cancels = short_cycle * (MONTH / rv) / upo
    penalty = np.full(n, float(t.fbs_cancel_penalty))
    if cancel_penalty is not None:
        known = np.asarray(cancel_penalty, f64)
        penalty = np.where(np.isfinite(known) & (known >= 0), known, penalty)
    cancel_cost = cancels * penalty
    fbs_cost = hd + own_storage + cancel_cost

    # --- recommendation with hysteresis ---
    no_demand = d <= 0
    on_fbo = current == FBO
    current_cost = np.where(on_fbo, fbo_cost, fbs_cost)
    other_cost = np.where(on_fbo, fbs_cost, fbo_cost)
    saving = current_cost - other_cost
    switch = (saving >= t.decision_margin * current_cost) & (saving >= t.decision_min_saving)
    fbo_rec = np.where(on_fbo, ~switch, switch) & ~no_demand
    scheme = np.where(fbo_rec, FBO, FBS).astype(np.int8)
    reasons = np.zeros(n, np.int32)

    def bit(mask: np.ndarray, b: int) -> None:
        reasons[mask] |= np.int32(1 << b)

    bit(fbo_rec & (fbo_cost < fbs_cost), R_FBO_CHEAPER)
    bit(~fbo_rec & ~no_demand & (fbs_cost <= fbo_cost), R_FBS_CHEAPER)
    bit(d >= t.high_velocity_per_day, R_HIGH_VELOCITY)
    bit((d < t.low_velocity_per_day) & ~no_demand, R_LOW_VELOCITY)
    bit(no_demand, R_NO_DEMAND)
    bit(p_cycle >= t.risk_high, R_FBS_CANCEL_RISK)
    bit(stranded > 0.1 * np.maximum(fbo_cost, 1e-12), R_FBO_STRANDED)
    bit(vol >= t.bulky_litres, R_BULKY)

    if fbo is not None:
        send = on_fbo if fbo.enabled is None else np.asarray(fbo.enabled, bool)
        ship = fbo_shipments(d, sd, service_level, np.full(n, rf), pack_size, available, fbo, send)
    else:
        ship = np.zeros((n, 0))
    return FulfilmentResult(
        fbo_monthly_cost=fbo_cost,
        fbs_monthly_cost=fbs_cost,
        fbo_storage=storage,
        fbo_inbound=inbound,
        fbo_delivery=delivery,
        fbo_stranded=stranded,
        fbo_capital=capital,
        fbo_stock=fbo_stock,
        fbs_handling_delivery=hd,
        fbs_storage=own_storage,
        fbs_cancellations=cancel_cost,
        fbs_cancelled_orders_month=cancels,
        recommended_scheme=scheme,
        scheme_reasons=reasons,
        fbo_shipment=ship,
        fbo_nonlocal=nonlocal_cost,
    )
