"""Zapas planning engine: pure numpy/scipy, no Django, vectorised over the whole catalogue.

Arrays are positional: row i of every (n, …) array is the same SKU; history is (n, T) with
the oldest day first and the last column = yesterday.  Loops run over days, never over SKUs.

Entry point of the nightly job
------------------------------
``plan_catalogue(snapshot: CatalogueSnapshot, params: PlanParams = PlanParams(),
calibration: QuantileCalibration | None = None) -> CataloguePlan``

* ``CatalogueSnapshot`` (inputs): demand (n, T) units/day [float32 preferred];
  stockout_mask (n, T) bool and lost_demand (n, T) (optional, censoring); per SKU (n,):
  unit_cost, sale_price, volume_l, weight_kg, fbs_prep_days, lead_time_mean_days,
  lead_time_sd_days, review_days, service_level, moq, pack_size, available, on_order,
  in_transit, mean_units_per_order, current_scheme (0 FBS / 1 FBO: anchors the scheme
  hysteresis); history_end_weekday (Monday = 0); optional receipt schedule receipts_qty /
  receipts_in_days (n, K); optional ``FboSnapshot`` (demand_share (n, W), stock (n, W),
  transit_days (W,), in_transit (n, W), enabled (n,) = sells through FBO).  Stock at FBO
  counts in the inventory position and in the stock the risk figures draw on.
* ``PlanParams``: holdout/selection, smoothing grids, class-allowed methods, ABC and SB
  cut-offs, service target ("cycle" or "fill_rate"), discrete-distribution rule, EOQ,
  ``Tariffs`` (every FBO/FBS tariff with its default), chunk size and threads.
* ``CataloguePlan`` (outputs, flat arrays): demand_class, adi, cv2, abc_class, revenue,
  method, forecast_mean, forecast_sd, weekly_profile (n, 7), holdout_mase, holdout_rmsse,
  holdout_bias, lead_time_demand_mean/_sd, distribution, safety_stock, reorder_point,
  order_up_to, inventory_position, suggested_order, eoq, risk_horizon_days,
  stockout_probability, expected_units_short, expected_cancelled_orders, days_of_cover,
  stockout_day, fbo_monthly_cost, fbs_monthly_cost, recommended_scheme, scheme_reasons
  (bitmask), fbo_shipment (n, W), history_days; the promise (``promise``): protection_days,
  promise_levels, promise_quantiles (n, 5), promise_mean, promise_stockout_probability,
  calibration_applied; code → label tuples DEMAND_CLASS_NAMES, ABC_NAMES,
  METHOD_NAMES, DISTRIBUTION_NAMES, SCHEME_NAMES, REASON_NAMES.

Building blocks (each vectorised over SKUs)
-------------------------------------------
* Forecasts, identical to statsforecast (≤ 1e-6): ``ses(demand, alpha)``,
  ``croston(demand, alpha=0.1)``, ``sba(demand, alpha=0.1)``, ``tsb(demand, alpha_d,
  alpha_p)`` → (n,) flat daily forecast, or all four in one pass with
  ``intermittent_forecasts``; also ``holt_damped``, ``holt_winters`` (weekly,
  additive, damped trend) → (n, horizon) paths, and ``weekly_profile``.
* Selection: ``fit_select`` fits SES, damped Holt, Holt-Winters, Croston, SBA, TSB, their
  weekly-profile variants and a combination in one pass over time and picks per SKU by a
  rolling-origin holdout (RMSSE or MASE), limited by the demand class.
* Classification: ``syntetos_boylan(demand, valid, 1.32, 0.49)``, ``abc_classes(revenue,
  (0.8, 0.95))``; censoring: ``clean_demand``.
* Policy: ``reorder_point(mean_daily, sd_daily, lead_time_mean, lead_time_sd, review_days,
  service_level)`` = (L+R)·d + z·√((L+R)·σd² + d²·σL²); ``safety_stock``,
  ``lead_time_demand``, ``fill_rate_safety_factor`` (G(k) = (1 − β)·Q/σ), ``eoq``,
  ``round_order``, ``compute_policy`` (normal or Poisson / negative binomial; an (R, s, S)
  review: S = s + R·d or s + EOQ, an order S − IP only when IP ≤ s), ``allocate_levels``
  (per-SKU levels with the fewest expected cancellations for a stock value: P(X > s) ∝
  cost × units per order × cycle, ``PlanParams(allocation="cancellations")``),
  ``replenishment_levels`` (the policy at several targets, forecasting once).
* Distributions: ``normal_loss``, ``inverse_normal_loss``, ``choose_distribution``,
  ``discrete_loss``, ``discrete_ppf``, ``discrete_inverse_loss``.
* Risk: ``stockout_risk``, ``days_of_cover``, ``stockout_day``.
* Fulfilment: ``choose_fulfilment`` (monthly FBO and FBS cost of what differs between the
  schemes: per-order logistics, processing and own handling vs inbound per unit and per
  supply line, storage after the free period on the stock FBO must hold, removals of
  stranded stock, capital; a switch only for a material saving), ``fbo_shipments`` (sends
  to FBO warehouses whose position is below transit + supply cycle + safety stock).
* Backtest: ``simulate_policy``, ``naive_min_max``, ``compare_policies``.
"""

from .backtest import BacktestResult, compare_policies, naive_min_max, simulate_policy
from .calibration import (
    QuantileCalibration,
    apply_calibration,
    calibration_group,
    calibration_groups,
)
from .censor import clean_demand
from .classify import abc_classes, syntetos_boylan
from .forecast import (
    croston,
    holt_damped,
    holt_winters,
    intermittent_forecasts,
    sba,
    ses,
    tsb,
    weekly_profile,
)
from .fulfilment_choice import FulfilmentResult, choose_fulfilment, fbo_shipments
from .plan import (
    allocation_spend_of,
    forecast_catalogue,
    lead_time_pairs,
    plan_catalogue,
    replenishment_levels,
)
from .policy import (
    AllocationSpend,
    PolicyResult,
    allocate_levels,
    allocation_log_lambda,
    compute_policy,
    eoq,
    fill_rate_safety_factor,
    lead_time_demand,
    reorder_point,
    round_order,
    safety_stock,
)
from .promise import PROMISE_LEVELS, distribution_quantiles, make_promise
from .risk import RiskResult, days_of_cover, stockout_day, stockout_risk
from .schema import (
    ABC_NAMES,
    DEMAND_CLASS_NAMES,
    DISTRIBUTION_NAMES,
    METHOD_NAMES,
    REASON_NAMES,
    SCHEME_NAMES,
    CataloguePlan,
    CatalogueSnapshot,
    FboSnapshot,
    PlanParams,
    Tariffs,
)
from .selection import ForecastSelection, fit_select
from .stats import (
    choose_distribution,
    discrete_inverse_loss,
    discrete_loss,
    discrete_ppf,
    inverse_normal_loss,
    normal_loss,
)
from .totals import LeadTimePairs, LeadTimePools, fit_lead_time_pools

__all__ = [
    "ABC_NAMES",
    "DEMAND_CLASS_NAMES",
    "DISTRIBUTION_NAMES",
    "METHOD_NAMES",
    "PROMISE_LEVELS",
    "REASON_NAMES",
    "SCHEME_NAMES",
    "BacktestResult",
    "CatalogueSnapshot",
    "CataloguePlan",
    "FboSnapshot",
    "ForecastSelection",
    "FulfilmentResult",
    "LeadTimePairs",
    "LeadTimePools",
    "PlanParams",
    "PolicyResult",
    "QuantileCalibration",
    "RiskResult",
    "Tariffs",
    "abc_classes",
    "allocate_levels",
    "apply_calibration",
    "calibration_group",
    "calibration_groups",
    "choose_distribution",
    "choose_fulfilment",
    "clean_demand",
    "compare_policies",
    "compute_policy",
    "AllocationSpend",
    "croston",
    "days_of_cover",
    "discrete_inverse_loss",
    "discrete_loss",
    "discrete_ppf",
    "distribution_quantiles",
    "eoq",
    "fbo_shipments",
    "fill_rate_safety_factor",
    "fit_lead_time_pools",
    "allocation_spend_of",
    "allocation_log_lambda",
    "fit_select",
    "forecast_catalogue",
    "holt_damped",
    "holt_winters",
    "intermittent_forecasts",
    "inverse_normal_loss",
    "lead_time_demand",
    "lead_time_pairs",
    "make_promise",
    "naive_min_max",
    "normal_loss",
    "plan_catalogue",
    "replenishment_levels",
    "reorder_point",
    "round_order",
    "safety_stock",
    "sba",
    "ses",
    "simulate_policy",
    "stockout_day",
    "stockout_risk",
    "syntetos_boylan",
    "tsb",
    "weekly_profile",
]
