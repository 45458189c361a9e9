"""The whole-catalogue plan: the single entry point of the nightly job."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from scipy import special

from .calendar import ShopCalendar, calendar_of
from .calibration import QuantileCalibration, apply_calibration, calibration_groups
from .censor import clean_demand, clip_spikes
from .classify import abc_classes, syntetos_boylan, syntetos_boylan_at
from .fulfilment_choice import choose_fulfilment
from .ltd import TotalDistribution
from .policy import (
    AllocationSpend,
    PolicyResult,
    allocate_levels,
    allocation_spend,
    compute_policy,
    cycle_days,
    grid_quantile,
    lead_time_demand,
    use_discrete,
)
from .promise import PROMISE_LEVELS, make_promise, promise_from_total
from .risk import receipts_schedule, stockout_risk
from .schema import CataloguePlan, CatalogueSnapshot, PlanParams
from .selection import MAX_TOTAL_DAYS, fit_select, total_origins
from .totals import (
    PROTECTION,
    LeadTimePairs,
    LeadTimePools,
    block_pairs,
    distributions,
    fit_lead_time_pools,
    total_days,
)

F32 = np.float32


def _forecast_block(
    snapshot: CatalogueSnapshot,
    sl: slice,
    params: PlanParams,
    total_days: np.ndarray | None = None,
    calendar: ShopCalendar | None = None,
) -> dict:
    """Clean, classify and forecast SKUs ``sl`` (vectorised; runs in a worker thread)."""
    mask = None if snapshot.stockout_mask is None else snapshot.stockout_mask[sl]
    lost = None if snapshot.lost_demand is None else snapshot.lost_demand[sl]
    y, valid = clean_demand(
        snapshot.demand[sl], mask, lost, params.trim_leading_zeros, params.keep_leading_days
    )
    # classes, forecasts and the totals the lead-time pools learn from without spikes (one
    # huge order would otherwise lift the mean of every SKU in its pool); revenue keeps them
    yc = clip_spikes(y, valid)
    # classes on the days the shop could sell (a closed day is no zero)
    open_valid = valid if calendar is None else valid & calendar.open_days[None, :]
    pair_cls = None
    if total_days is None:
        cls, adi, cv2 = syntetos_boylan(yc, open_valid, params.adi_cutoff, params.cv2_cutoff)
    else:  # and the class at each origin of the rolling-origin totals (``totals``)
        longest = int(np.clip(total_days[sl], 1, MAX_TOTAL_DAYS).max(initial=1))
        cls, adi, cv2, pair_cls = syntetos_boylan_at(
            yc,
            open_valid,
            total_origins(yc.shape[1], longest),
            params.adi_cutoff,
            params.cv2_cutoff,
        )
    del open_valid
    w = min(params.abc_window_days, y.shape[1])
    units = y[:, y.shape[1] - w :].sum(axis=1, dtype=np.float64)
    td = None if total_days is None else total_days[sl]
    # the pairs are scored against the demand that came, spikes included: the promise is about
    # that demand, and large orders recur (the pool's mean is robust to a single huge one)
    fs = fit_select(
        yc, valid, cls, params, snapshot.history_end_weekday, td, actual=y, calendar=calendar
    )
    pos = (y > 0) & valid
    n_days = y.shape[1]
    hist = np.where(pos.any(axis=1), n_days - pos.argmax(axis=1), 0).astype(np.int32)
    return {
        "sl": sl,
        "cls": cls,
        "adi": adi,
        "cv2": cv2,
        "units": units,
        "fs": fs,
        "hist": hist,
        "pair_cls": pair_cls,
    }


def catalogue_calendar(snapshot: CatalogueSnapshot, params: PlanParams) -> ShopCalendar | None:
    """The snapshot's shop calendar, else one detected from its demand (None = always open)."""
    if snapshot.calendar is not None:
        return snapshot.calendar
    if not params.detect_closed_days or snapshot.n_skus == 0:
        return None
    cal = calendar_of(snapshot.demand, snapshot.history_end_weekday)
    return None if cal.all_open else cal


def forecast_catalogue(
    snapshot: CatalogueSnapshot, params: PlanParams, total_days: np.ndarray | None = None
) -> dict:
    """Classification and forecasts of every SKU, in SKU blocks of ``params.chunk_size``
    spread over ``params.n_threads`` threads (numpy releases the GIL in its kernels).

    With ``total_days`` (n, H) the chosen method's totals over those periods (at the end and
    at past origins, with the actual totals that followed) are kept per block in "totals"."""
    n = snapshot.n_skus
    out = {
        "demand_class": np.empty(n, np.int8),
        "adi": np.empty(n, F32),
        "cv2": np.empty(n, F32),
        "units": np.empty(n, np.float64),
        "method": np.empty(n, np.int8),
        "forecast_mean": np.empty(n, F32),
        "forecast_sd": np.empty(n, F32),
        "weekly_profile": np.empty((n, 7), F32),
        "holdout_mase": np.empty(n, F32),
        "holdout_rmsse": np.empty(n, F32),
        "holdout_bias": np.empty(n, F32),
        "history_days": np.empty(n, np.int32),
        "totals": [],
    }
    size = max(1, params.chunk_size)
    blocks = [slice(s, min(n, s + size)) for s in range(0, n, size)]
    calendar = catalogue_calendar(snapshot, params)

    def store(res: dict) -> None:
        sl, fs = res["sl"], res["fs"]
        out["demand_class"][sl] = res["cls"]
        out["adi"][sl] = res["adi"]
        out["cv2"][sl] = res["cv2"]
        out["units"][sl] = res["units"]
        out["method"][sl] = fs.method
        out["forecast_mean"][sl] = fs.forecast_mean
        out["forecast_sd"][sl] = fs.forecast_sd
        out["weekly_profile"][sl] = fs.weekly_profile
        out["holdout_mase"][sl] = fs.mase
        out["holdout_rmsse"][sl] = fs.rmsse
        out["holdout_bias"][sl] = fs.bias
        out["history_days"][sl] = res["hist"]
        if fs.total_end is not None:
            out["totals"].append(
                (
                    sl,
                    fs.total_end,
                    fs.pair_forecast,
                    fs.pair_actual,
                    fs.pair_age,
                    fs.recent_end,
                    fs.pair_recent,
                    res["pair_cls"],
                )
            )

    if params.n_threads > 1 and len(blocks) > 1:
        with ThreadPoolExecutor(max_workers=params.n_threads) as pool:
            for res in pool.map(
                lambda b: _forecast_block(snapshot, b, params, total_days, calendar), blocks
            ):
                store(res)
    else:
        for b in blocks:
            store(_forecast_block(snapshot, b, params, total_days, calendar))
    return out


def lead_time_pairs(snapshot: CatalogueSnapshot, params: PlanParams | None = None) -> LeadTimePairs:
    """The rolling-origin pairs of a (part of a) catalogue, for ``fit_lead_time_pools``."""
    params = params or PlanParams()
    snapshot.validate()
    days = total_days(snapshot)
    fc = forecast_catalogue(snapshot, params, days)
    return block_pairs(fc["totals"], fc["demand_class"], days)


@dataclass(frozen=True)
class _Demand:
    """What the policy stage reads: forecasts, classes, the distributions over P and over the
    risk horizon (None unless empirical), the daily rate, positions and calibration groups."""

    fc: dict
    d: np.ndarray
    sd: np.ndarray
    cls: np.ndarray
    abc: np.ndarray
    revenue: np.ndarray
    p_days: np.ndarray
    over_p: TotalDistribution | None
    over_h: TotalDistribution | None
    available: np.ndarray
    sellable: np.ndarray
    ip: np.ndarray
    groups: np.ndarray


def _demand_stage(s: CatalogueSnapshot, params: PlanParams, pools: LeadTimePools | None) -> _Demand:
    f64 = np.float64
    days = total_days(s)
    p_days = days[:, PROTECTION]
    empirical = params.lead_time_demand == "empirical"
    fc = forecast_catalogue(s, params, days if empirical else None)
    d = fc["forecast_mean"].astype(f64)
    sd = fc["forecast_sd"].astype(f64)
    cls = fc["demand_class"]
    revenue = fc["units"] * np.asarray(s.sale_price, f64)
    abc = abc_classes(revenue, params.abc_cutoffs)
    over_p = over_h = None
    if empirical:
        if pools is None:
            pools = fit_lead_time_pools([block_pairs(fc["totals"], cls, days)])
        over_p, over_h = distributions(
            fc["totals"], pools, cls, fc["history_days"], days, s.lead_time_sd_days
        )
        # the daily rate the policy and risk use: the bias-corrected mean over P
        d = over_p.mean / p_days

    available = np.asarray(s.available, f64)
    # stock already at the marketplace sells too: it is part of the SKU's position
    at_fbo = np.zeros_like(available) if s.fbo is None else np.asarray(s.fbo.stock, f64).sum(1)
    sellable = available + np.maximum(at_fbo, 0)
    ip = sellable + np.asarray(s.on_order, f64) + np.asarray(s.in_transit, f64)
    groups = calibration_groups(abc, d, fc["history_days"])
    return _Demand(
        fc, d, sd, cls, abc, revenue, p_days, over_p, over_h, available, sellable, ip, groups
    )


def _policy_stage(
    s: CatalogueSnapshot,
    dem: _Demand,
    target: np.ndarray,
    params: PlanParams,
    calibration: QuantileCalibration | None,
    log_lambda: float | None = None,
) -> tuple[np.ndarray, PolicyResult]:
    """The level each reorder point is read at (calibrated, then allocated) and the policy."""
    target = np.asarray(target, np.float64)
    if params.service_target == "fill_rate":
        level = target
    else:
        level = apply_calibration(target, dem.groups, calibration)
        if params.allocation == "cancellations":
            level = allocate_levels(
                level,
                *_allocation_args(dem, s, params),
                floor=params.allocation_floor,
                cap=params.allocation_cap,
                log_lambda=log_lambda,
            )
    pol = compute_policy(
        dem.d,
        dem.sd,
        s.lead_time_mean_days,
        s.lead_time_sd_days,
        s.review_days,
        level,
        dem.cls,
        s.unit_cost,
        s.moq,
        s.pack_size,
        dem.ip,
        params,
        dem.over_p,
        s.mean_units_per_order,
    )
    return level, pol


def _allocation_args(dem: _Demand, s: CatalogueSnapshot, params: PlanParams) -> tuple:
    """(quantile, unit cost, units per order, cycle days) the allocation prices stock with."""
    cycle = cycle_days(dem.d, s.review_days, s.unit_cost, params)
    return _quantile_of(dem, s, params), s.unit_cost, s.mean_units_per_order, cycle


def allocation_spend_of(
    snapshot: CatalogueSnapshot,
    params: PlanParams,
    calibration: QuantileCalibration | None = None,
    pools: LeadTimePools | None = None,
) -> AllocationSpend:
    """This part of a catalogue's stock value at every λ of the cancellations allocation
    (``policy.allocation_spend``), at its service levels after ``calibration``: a run in
    chunks sums the parts, finds one λ (``policy.allocation_log_lambda``) and passes it to
    every chunk's ``plan_catalogue(allocation_log_lambda=…)``."""
    snapshot.validate()
    dem = _demand_stage(snapshot, params, pools)
    level = apply_calibration(
        np.asarray(snapshot.service_level, np.float64), dem.groups, calibration
    )
    return allocation_spend(
        level,
        *_allocation_args(dem, snapshot, params),
        floor=params.allocation_floor,
        cap=params.allocation_cap,
    )


def _quantile_of(dem: _Demand, s: CatalogueSnapshot, params: PlanParams):
    """Per-SKU quantile function of demand over P that the allocation prices stock with."""
    if dem.over_p is not None:
        total = dem.over_p
        return lambda lv: grid_quantile(total, lv)
    mu, sigma = lead_time_demand(
        dem.d, dem.sd, s.lead_time_mean_days, s.lead_time_sd_days, s.review_days
    )
    return lambda lv: mu + special.ndtri(lv) * sigma


def replenishment_levels(
    snapshot: CatalogueSnapshot,
    settings: Sequence[tuple[np.ndarray, PlanParams]],
    params: PlanParams | None = None,
    pools: LeadTimePools | None = None,
) -> list[PolicyResult]:
    """The policy of ``snapshot`` for each (per-SKU targets, policy parameters), forecasting
    once with ``params``.

    Each result equals ``plan_catalogue`` on the snapshot with that ``service_level`` and
    those parameters (no calibration) when they forecast as ``params`` do: what a replay at
    several targets and allocations needs without re-forecasting for each.
    """
    params = params or PlanParams()
    snapshot.validate()
    dem = _demand_stage(snapshot, params, pools)
    return [_policy_stage(snapshot, dem, t, p, None)[1] for t, p in settings]


def plan_catalogue(
    snapshot: CatalogueSnapshot,
    params: PlanParams | None = None,
    calibration: QuantileCalibration | None = None,
    pools: LeadTimePools | None = None,
    allocation_log_lambda: float | None = None,
) -> CataloguePlan:
    """Plan a whole catalogue: classes, forecasts, policy, risk, promise and the FBO/FBS choice.

    Pure function of its inputs (no I/O, no Django); vectorised over SKUs, looping over days.
    ``calibration`` (from the nightly audit) moves the level each SKU's reorder point is read
    at, per calibration group (``planning.engine.calibration``); None = no adjustment.
    ``pools`` (``totals.fit_lead_time_pools``) are the catalogue-wide pools of rolling-origin
    totals; None fits them on this snapshot (a run in chunks passes the same pools to each).
    ``allocation_log_lambda`` (with ``allocation="cancellations"``): the catalogue-wide λ of
    ``policy.allocation_log_lambda``; None matches the stock value within this snapshot.
    See ``planning.engine`` for the meaning of every input and output field.
    """
    params = params or PlanParams()
    s = snapshot
    s.validate()
    dem = _demand_stage(s, params, pools)
    fc, d, sd, cls, abc, revenue = dem.fc, dem.d, dem.sd, dem.cls, dem.abc, dem.revenue
    p_days, over_p, over_h = dem.p_days, dem.over_p, dem.over_h
    available, sellable, groups = dem.available, dem.sellable, dem.groups
    level, pol = _policy_stage(s, dem, s.service_level, params, calibration, allocation_log_lambda)
    if over_p is not None:
        promise = promise_from_total(p_days, over_p, pol.reorder_point, groups, calibration)
    else:
        promise = make_promise(
            p_days,
            pol.distribution,
            pol.lead_time_demand_mean,
            pol.lead_time_demand_sd,
            pol.nb_r,
            pol.nb_p,
            pol.reorder_point,
            groups,
            calibration,
        )
    rq, rday = receipts_schedule(
        s.on_order, s.in_transit, s.lead_time_mean_days, s.receipts_qty, s.receipts_in_days
    )
    discrete = use_discrete(cls, pol.lead_time_demand_mean, params)
    risk = stockout_risk(
        d,
        sd,
        s.lead_time_mean_days,
        s.lead_time_sd_days,
        s.fbs_prep_days,
        s.current_scheme,
        sellable,
        rq,
        rday,
        s.mean_units_per_order,
        discrete,
        fc["weekly_profile"],
        s.history_end_weekday,
        params,
        over_h,
    )
    ful = choose_fulfilment(
        d,
        sd,
        s.service_level,
        s.review_days,
        s.lead_time_mean_days,
        s.lead_time_sd_days,
        s.fbs_prep_days,
        pol.safety_stock,
        pol.order_up_to,
        s.volume_l,
        s.unit_cost,
        s.mean_units_per_order,
        s.pack_size,
        available,
        s.fbo,
        params.tariffs,
        current_scheme=s.current_scheme,
        sale_price=s.sale_price,
        cancel_penalty=s.cancel_penalty,
    )
    return CataloguePlan(
        demand_class=cls,
        adi=fc["adi"],
        cv2=fc["cv2"],
        abc_class=abc,
        revenue=revenue,
        method=fc["method"],
        forecast_mean=d.astype(F32),
        forecast_sd=fc["forecast_sd"],
        weekly_profile=fc["weekly_profile"],
        holdout_mase=fc["holdout_mase"],
        holdout_rmsse=fc["holdout_rmsse"],
        holdout_bias=fc["holdout_bias"],
        lead_time_demand_mean=pol.lead_time_demand_mean,
        lead_time_demand_sd=pol.lead_time_demand_sd,
        distribution=pol.distribution,
        safety_stock=pol.safety_stock,
        reorder_point=pol.reorder_point,
        order_up_to=pol.order_up_to,
        inventory_position=pol.inventory_position,
        suggested_order=pol.suggested_order,
        eoq=pol.eoq,
        risk_horizon_days=risk.horizon_days,
        stockout_probability=risk.stockout_probability,
        expected_units_short=risk.expected_units_short,
        expected_cancelled_orders=risk.expected_cancelled_orders,
        days_of_cover=risk.days_of_cover,
        stockout_day=risk.stockout_day,
        fbo_monthly_cost=ful.fbo_monthly_cost,
        fbs_monthly_cost=ful.fbs_monthly_cost,
        recommended_scheme=ful.recommended_scheme,
        scheme_reasons=ful.scheme_reasons,
        fbo_shipment=ful.fbo_shipment,
        history_days=fc["history_days"],
        protection_days=promise.protection_days,
        promise_quantiles=promise.quantiles,
        promise_mean=promise.mean,
        promise_stockout_probability=promise.stockout_probability,
        calibration_applied=level,
        promise_levels=PROMISE_LEVELS,
    )
