"""FBO or FBS: expected monthly cost of each scheme, recommendation with reasons, FBO sends.

Per SKU with d = mean daily demand (units/day), σd its daily sd, R review days, z =
max(0, Φ⁻¹(service level)), u = mean units per order, v = litres per unit, a month = 30 days,
U = 30·d units and O = U/u orders per month:

FBO (stock at the marketplace):
  average FBO stock I = d·R/2 + z·σd·√(T + R), T = share-weighted transit days;
  storage  = U · max(0, I/d − free days) · storage rate · v  (each unit waits I/d days,
             Little's law, and pays for the days beyond the free period);
  inbound  = U · (inbound per unit + inbound per litre · v);
  delivery = O · FBO delivery per order;
  stranded = max(0, FBO stock − d·stranded_after_days) · (unit_cost · stranded rate
             + v · storage rate · 30)  (stock the marketplace holds beyond a sane cover).
FBS (stock at the seller, the marketplace only delivers):
  handling + delivery = O · (handling per order + FBS delivery per order);
  storage  = (d·R/2 + SS) · v · own storage rate · 30;
  cancellations = E[units short per cycle] · (30/R) / u · penalty, the shortage of the
             order-up-to level S against demand over L + R + prep (normal loss function).
Recommendation: FBO when its cost is below FBS cost · (1 − margin) and d > 0, else FBS.
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
    fbs_handling_delivery: np.ndarray
    fbs_storage: np.ndarray
    fbs_cancellations: np.ndarray
    fbs_cancelled_orders_month: np.ndarray
    recommended_scheme: np.ndarray  # int8 SCHEME_NAMES
    scheme_reasons: np.ndarray  # int32 bitmask REASON_NAMES
    fbo_shipment: np.ndarray  # (n, W)


def _share(fbo: FboSnapshot | None, n: int) -> np.ndarray | None:
    if fbo is None:
        return None
    s = np.maximum(np.asarray(fbo.demand_share, np.float64), 0)
    tot = s.sum(axis=1, keepdims=True)
    w = s.shape[1]
    return np.where(tot > 0, s / np.where(tot > 0, tot, 1), 1.0 / max(w, 1))


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

    For warehouse w with demand share s_w and transit T_w: target = d·s_w·(T_w + R) +
    z·σd·√s_w·√(T_w + R) (transit, review period and safety stock); send = target − stock −
    in transit, rounded up to the pack; if the sum exceeds ``available`` all sends are scaled
    down (whole packs).  Zero where ``send`` is False.
    """
    n = np.shape(mean_daily)[0]
    share = _share(fbo, n)
    d = np.maximum(np.asarray(mean_daily, np.float64), 0)[:, None]
    sd = np.asarray(sd_daily, np.float64)[:, None]
    z = np.maximum(special.ndtri(np.clip(np.asarray(service_level, np.float64), 1e-6, 1 - 1e-9)), 0)
    p = (
        np.asarray(fbo.transit_days, np.float64)[None, :]
        + np.asarray(review_days, np.float64)[:, None]
    )
    target = d * share * p + z[:, None] * sd * np.sqrt(share * p)
    have = np.asarray(fbo.stock, np.float64)
    if fbo.in_transit is not None:
        have = have + np.asarray(fbo.in_transit, np.float64)
    need = np.maximum(target - have, 0)
    pack = np.maximum(np.asarray(pack_size, np.float64), 1)[:, None]
    qty = np.ceil(need / pack - 1e-9) * pack
    total = qty.sum(axis=1)
    avail = np.maximum(np.asarray(available, np.float64), 0)
    over = total > avail
    if over.any():
        scale = np.where(over, avail / np.where(total > 0, total, 1), 1.0)[:, None]
        qty = np.where(over[:, None], np.floor(qty * scale / pack) * pack, qty)
    qty[~np.asarray(send, bool)] = 0
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
    default_transit_days: float = 7.0,
) -> FulfilmentResult:
    """Costs of both schemes, the recommendation and its reasons (module docstring)."""
    f64 = np.float64
    d = np.maximum(np.asarray(mean_daily, f64), 0)
    sd = np.asarray(sd_daily, f64)
    n = d.shape[0]
    rv = np.maximum(np.asarray(review_days, f64), 1)
    vol = np.maximum(np.asarray(volume_l, f64), 0)
    cost = np.maximum(np.asarray(unit_cost, f64), 0)
    upo = np.maximum(np.asarray(mean_units_per_order, f64), 1)
    z = np.maximum(special.ndtri(np.clip(np.asarray(service_level, f64), 1e-6, 1 - 1e-9)), 0)
    units = MONTH * d
    orders = units / upo

    share = _share(fbo, n)
    if fbo is not None:
        transit = (share * np.asarray(fbo.transit_days, f64)[None, :]).sum(axis=1)
        fbo_stock = np.asarray(fbo.stock, f64).sum(axis=1)
    else:
        transit = np.full(n, default_transit_days)
        fbo_stock = np.zeros(n)
    inv_fbo = d * rv / 2 + z * sd * np.sqrt(transit + rv)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(d > 0, inv_fbo / np.where(d > 0, d, 1), 0)
    t = tariffs
    storage = units * np.maximum(wait - t.fbo_free_storage_days, 0) * t.fbo_storage_per_litre_day
    storage = storage * vol
    inbound = units * (t.fbo_inbound_per_unit + t.fbo_inbound_per_litre * vol)
    delivery = orders * t.fbo_delivery_per_order
    stranded_units = np.maximum(fbo_stock - d * t.fbo_stranded_after_days, 0)
    stranded = stranded_units * (
        cost * t.fbo_stranded_rate_month + vol * t.fbo_storage_per_litre_day * MONTH
    )
    fbo_cost = storage + inbound + delivery + stranded

    hd = orders * (t.fbs_handling_per_order + t.fbs_delivery_per_order)
    own = (d * rv / 2 + np.maximum(np.asarray(safety_stock, f64), 0)) * vol
    own_storage = own * t.own_storage_per_litre_day * MONTH
    prot = np.asarray(lead_time_mean, f64) + rv + np.maximum(np.asarray(fbs_prep_days, f64), 0)
    mu = prot * d
    sig = np.sqrt(prot * sd * sd + d * d * np.asarray(lead_time_sd, f64) ** 2)
    s_level = np.asarray(order_up_to, f64)
    with np.errstate(divide="ignore", invalid="ignore"):
        k = np.where(sig > 0, (s_level - mu) / np.where(sig > 0, sig, 1), 0)
    short_cycle = np.where(sig > 0, sig * normal_loss(k), np.maximum(mu - s_level, 0))
    p_cycle = np.where(sig > 0, special.ndtr(-k), (mu > s_level).astype(f64))
    cancels = short_cycle * (MONTH / rv) / upo
    cancel_cost = cancels * t.fbs_cancel_penalty
    fbs_cost = hd + own_storage + cancel_cost

    no_demand = d <= 0
    fbo_better = (fbo_cost < fbs_cost * (1 - t.decision_margin)) & ~no_demand
    scheme = np.where(fbo_better, FBO, FBS).astype(np.int8)
    reasons = np.zeros(n, np.int32)

    def bit(mask: np.ndarray, b: int) -> None:
        reasons[mask] |= np.int32(1 << b)

    bit(fbo_better, R_FBO_CHEAPER)
    bit(~fbo_better & ~no_demand, R_FBS_CHEAPER)
    bit(d >= t.high_velocity_per_day, R_HIGH_VELOCITY)
    bit((d < t.low_velocity_per_day) & ~no_demand, R_LOW_VELOCITY)
    bit(no_demand, R_NO_DEMAND)
    bit(p_cycle >= t.risk_high, R_FBS_CANCEL_RISK)
    bit(stranded > 0.1 * np.maximum(fbo_cost, 1e-12), R_FBO_STRANDED)
    bit(vol >= t.bulky_litres, R_BULKY)

    if fbo is not None:
        ship = fbo_shipments(d, sd, service_level, rv, pack_size, available, fbo, fbo_better)
    else:
        ship = np.zeros((n, 0))
    return FulfilmentResult(
        fbo_monthly_cost=fbo_cost,
        fbs_monthly_cost=fbs_cost,
        fbo_storage=storage,
        fbo_inbound=inbound,
        fbo_delivery=delivery,
        fbo_stranded=stranded,
        fbs_handling_delivery=hd,
        fbs_storage=own_storage,
        fbs_cancellations=cancel_cost,
        fbs_cancelled_orders_month=cancels,
        recommended_scheme=scheme,
        scheme_reasons=reasons,
        fbo_shipment=ship,
    )
