"""Input and output dataclasses of the planning engine and the small-int code tables.

Everything is positional: row ``i`` of every array is the same SKU.  ``n`` is the number of
SKUs, ``T`` the number of history days, ``W`` the number of FBO warehouses and ``K`` the
number of scheduled receipts per SKU.  All quantities are in *units* (pieces) unless a field
says otherwise; money is in the seller's currency (RUB for Ozon); time is in days.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .calendar import ShopCalendar

# --------------------------------------------------------------------------------------------
# Code tables (small ints stored in the plan; index into the names tuple for the label).
# --------------------------------------------------------------------------------------------

#: Syntetos–Boylan demand classes; ``none`` = no positive demand in the usable history.
DEMAND_CLASS_NAMES: tuple[str, ...] = ("smooth", "erratic", "intermittent", "lumpy", "none")
SMOOTH, ERRATIC, INTERMITTENT, LUMPY, NO_DEMAND = range(5)

ABC_NAMES: tuple[str, ...] = ("A", "B", "C")

#: Forecasting methods.  ``*_weekly`` = the flat method times the SKU's weekly profile.
METHOD_NAMES: tuple[str, ...] = (
    "ses",
    "holt_damped",
    "holt_winters",
    "croston",
    "sba",
    "tsb",
    "ses_weekly",
    "sba_weekly",
    "tsb_weekly",
    "combo",
    "combo_weekly",
)
(
    M_SES,
    M_HOLT,
    M_HW,
    M_CROSTON,
    M_SBA,
    M_TSB,
    M_SES_WEEKLY,
    M_SBA_WEEKLY,
    M_TSB_WEEKLY,
    M_COMBO,
    M_COMBO_WEEKLY,
) = range(len(METHOD_NAMES))
#: Methods whose output carries a weekly profile.
SEASONAL_METHODS: frozenset[int] = frozenset(
    {M_HW, M_SES_WEEKLY, M_SBA_WEEKLY, M_TSB_WEEKLY, M_COMBO_WEEKLY}
)

#: Lead-time-demand distribution used by the policy and the risk figures.
DISTRIBUTION_NAMES: tuple[str, ...] = ("normal", "poisson", "negative_binomial", "empirical")
DIST_NORMAL, DIST_POISSON, DIST_NEGBIN, DIST_EMPIRICAL = range(4)

SCHEME_NAMES: tuple[str, ...] = ("FBS", "FBO")
FBS, FBO = 0, 1

#: Bits of ``CataloguePlan.scheme_reasons`` (bit ``i`` set <=> reason ``REASON_NAMES[i]``).
REASON_NAMES: tuple[str, ...] = (
    "fbo_cheaper",  # FBO recommended and its expected monthly cost is below FBS
    "fbs_cheaper",  # FBS recommended and its expected monthly cost is at most FBO
    "high_velocity",  # mean daily demand >= Tariffs.high_velocity_per_day
    "low_velocity",  # mean daily demand < Tariffs.low_velocity_per_day
    "no_demand",  # zero forecast: nothing to send to the marketplace
    "fbs_cancel_risk",  # FBS stock-out probability per cycle >= Tariffs.risk_high
    "fbo_stranded_risk",  # a material part of the FBO cost is stranded stock
    "bulky",  # volume_l >= Tariffs.bulky_litres (storage-heavy)
)
(
    R_FBO_CHEAPER,
    R_FBS_CHEAPER,
    R_HIGH_VELOCITY,
    R_LOW_VELOCITY,
    R_NO_DEMAND,
    R_FBS_CANCEL_RISK,
    R_FBO_STRANDED,
    R_BULKY,
) = range(len(REASON_NAMES))


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FboSnapshot:
    """Marketplace (FBO) warehouses of the catalogue.

    demand_share: (n, W) share of each SKU's demand served from each FBO warehouse (rows
        should sum to 1 where the SKU sells through FBO; all-zero rows are spread evenly).
    stock: (n, W) units already at each FBO warehouse (sellable).
    transit_days: (W,) days from the seller's warehouse to each FBO warehouse (incl. acceptance).
    in_transit: (n, W) units already shipped to each FBO warehouse, not yet accepted (optional).
    enabled: (n,) bool, SKUs that sell through FBO (scheme FBO or both) and so get FBO
        shipments (optional; default ``current_scheme == FBO``).
    nonlocal_share: (n,) share 0…1 of the SKU's FBO orders shipped from outside the buyer's
        cluster; each pays ``Tariffs.fbo_nonlocal_surcharge`` of its price (optional; NaN or
        None = 0).

    A column is a marketplace *cluster* where the warehouses have one (its stock and transit
    summed over the cluster's warehouses, its share the cluster's demand), else one warehouse.

    FBO stock is sellable stock of the SKU: it counts in the inventory position and in the
    stock the risk figures draw on, next to ``available`` at the seller's warehouses.
    """

    demand_share: np.ndarray
    stock: np.ndarray
    transit_days: np.ndarray
    in_transit: np.ndarray | None = None
    enabled: np.ndarray | None = None
    nonlocal_share: np.ndarray | None = None


@dataclass(frozen=True)
class CatalogueSnapshot:
    """Everything the engine needs about a catalogue on the plan date.

    History (oldest first, the last column is *yesterday*; float32 preferred for memory):
      demand: (n, T) units sold per day (negative values are clipped to 0).
      stockout_mask: (n, T) bool, True where the SKU was out of stock all or part of the day;
        such days are *censored*: not read as demand unless ``lost_demand`` gives it (optional).
      lost_demand: (n, T) units demanded but not served (e.g. cancelled for lack of stock);
        added to ``demand``.  NaN = unknown.  A stocked-out day with a finite lost-demand
        value is treated as fully observed (optional).
      history_end_weekday: weekday of the last history column, Monday = 0 … Sunday = 6.

    Per SKU, shape (n,):
      unit_cost, sale_price: money per unit.
      volume_l, weight_kg: litres and kilograms per unit (the default tariffs price by
        volume only; weight is carried for tariffs that need it).
      fbs_prep_days: days the seller needs to pack an FBS order (added to the FBS risk horizon).
      lead_time_mean_days, lead_time_sd_days: supplier lead time L and its sd σL.
      review_days: order cycle R (days between two order decisions).
      service_level: target in (0, 1): cycle service level or fill rate (PlanParams).
      moq, pack_size: minimum order quantity and pack multiple (units; 0/1 = no constraint).
      available: on hand minus reserved, summed over the SKU's own warehouses (units).
      on_order: ordered from the supplier, not yet shipped; in_transit: shipped, not received.
      mean_units_per_order: average units in one customer order line (>= 1).
      current_scheme: int code, ``FBS`` = 0 or ``FBO`` = 1.

    Expected receipts (optional; simple fixed-width schedule, zero-quantity columns are
    padding): receipts_qty (n, K) units and receipts_in_days (n, K) days from the plan date
    (0 = today).  Without a schedule ``in_transit`` is assumed to arrive today and
    ``on_order`` after ⌊lead_time_mean_days⌋ days.

    fbo: the FBO warehouses (optional; without it no FBO shipments are planned).

    cancel_penalty: (n,) money the marketplace charges per order the seller cancels, where
    its charges are known (optional; NaN or None = ``Tariffs.fbs_cancel_penalty``).

    calendar: the shop calendar (``planning.engine.calendar``) over the T history days and
    after (optional; without it ``PlanParams.detect_closed_days`` detects one from
    ``demand``, which is right when the snapshot holds the whole catalogue).
    """

    demand: np.ndarray
    unit_cost: np.ndarray
    sale_price: np.ndarray
    volume_l: np.ndarray
    weight_kg: np.ndarray
    fbs_prep_days: np.ndarray
    lead_time_mean_days: np.ndarray
    lead_time_sd_days: np.ndarray
    review_days: np.ndarray
    service_level: np.ndarray
    moq: np.ndarray
    pack_size: np.ndarray
    available: np.ndarray
    on_order: np.ndarray
    in_transit: np.ndarray
    mean_units_per_order: np.ndarray
    current_scheme: np.ndarray
    stockout_mask: np.ndarray | None = None
    lost_demand: np.ndarray | None = None
    history_end_weekday: int = 6
    receipts_qty: np.ndarray | None = None
    receipts_in_days: np.ndarray | None = None
    fbo: FboSnapshot | None = None
    calendar: ShopCalendar | None = None
    cancel_penalty: np.ndarray | None = None

    @property
    def n_skus(self) -> int:
        return int(self.demand.shape[0])

    def validate(self) -> None:
        """Raise ValueError when array shapes disagree (cheap; no data scan)."""
        if np.ndim(self.demand) != 2:
            raise ValueError("demand must be (n_skus, n_days)")
        n, t = np.shape(self.demand)
        for name in _PER_SKU:
            if np.shape(getattr(self, name)) != (n,):
                raise ValueError(f"{name} must have shape ({n},)")
        for name in ("stockout_mask", "lost_demand"):
            v = getattr(self, name)
            if v is not None and np.shape(v) != (n, t):
                raise ValueError(f"{name} must have shape ({n}, {t})")
        if (self.receipts_qty is None) != (self.receipts_in_days is None):
            raise ValueError("give both receipts_qty and receipts_in_days, or neither")
        if self.receipts_qty is not None and (
            np.shape(self.receipts_qty) != np.shape(self.receipts_in_days)
            or np.shape(self.receipts_qty)[0] != n
        ):
            raise ValueError("receipts_qty and receipts_in_days must both be (n_skus, K)")
        if self.fbo is not None:
            w = np.shape(self.fbo.transit_days)[0]
            for name in ("demand_share", "stock", "in_transit"):
                v = getattr(self.fbo, name)
                if v is not None and np.shape(v) != (n, w):
                    raise ValueError(f"fbo.{name} must have shape ({n}, {w})")
            if self.fbo.enabled is not None and np.shape(self.fbo.enabled) != (n,):
                raise ValueError(f"fbo.enabled must have shape ({n},)")
        if not 0 <= int(self.history_end_weekday) <= 6:
            raise ValueError("history_end_weekday must be 0 (Monday) … 6 (Sunday)")
        if self.calendar is not None and (
            self.calendar.n_days != t or self.calendar.end_weekday != self.history_end_weekday
        ):
            raise ValueError("calendar must cover the T history days and end on the same weekday")


_PER_SKU = (
    "unit_cost",
    "sale_price",
    "volume_l",
    "weight_kg",
    "fbs_prep_days",
    "lead_time_mean_days",
    "lead_time_sd_days",
    "review_days",
    "service_level",
    "moq",
    "pack_size",
    "available",
    "on_order",
    "in_transit",
    "mean_units_per_order",
    "current_scheme",
)


# --------------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tariffs:
    """Fulfilment tariffs for the FBO/FBS comparison (money in RUB; see ``fulfilment_choice``).

    The defaults are round, illustrative figures shaped like Ozon's public tariffs (2024–25):
    both schemes pay the same volume-based logistics per order; FBS adds a processing fee for
    the seller's parcel and the seller's own picking and packing; FBO adds acceptance and
    trunking per unit, a cost per SKU line per supply, storage after a free period, removal
    of stock that does not sell, and the capital its extra stock ties up.  The Django layer
    overrides them from ``ZAPAS["PLAN_PARAMS"]["tariffs"]`` with the seller's contract.
    """

    # both schemes: marketplace logistics to the buyer, per order
    logistics_per_order: float = 45.0  # base fee per order, first litre (either scheme)
    logistics_per_litre: float = 5.0  # plus this per litre of the unit(s) shipped
    # FBS only, per order
    fbs_processing_per_order: float = 15.0  # marketplace processing of a seller's parcel
    fbs_handling_per_order: float = 12.0  # own picking, packing, label and packaging
    fbs_cancel_penalty: float = 150.0  # fine (and rating) per order the seller cancels, where
    # the marketplace's own charges are not known (``CatalogueSnapshot.cancel_penalty``)
    own_storage_per_litre_day: float = 0.02  # the seller's own warehouse
    # FBO only: getting stock there and keeping it there
    fbo_supply_days: float = 14.0  # days between two supplies to one FBO warehouse
    fbo_inbound_per_unit: float = 5.0  # acceptance / processing per unit supplied
    fbo_inbound_per_litre: float = 3.0  # trunking to the FBO warehouse per litre supplied
    fbo_inbound_per_supply_line: float = 40.0  # per SKU line per supply (labels, documents)
    fbo_free_storage_days: float = 60.0  # storage is free while a unit is younger than this
    fbo_storage_per_litre_day: float = 0.3  # storage per litre and day after the free period
    fbo_stranded_after_days: float = 120.0  # stock beyond this much cover gets taken back
    fbo_removal_per_unit: float = 30.0  # removal (return to the seller) per stranded unit
    # an FBO order shipped from another cluster than the buyer's pays this share of its price
    # (Ozon: up to 8 % since April 2026; ``FboSnapshot.nonlocal_share`` says how many do)
    fbo_nonlocal_surcharge: float = 0.08
    capital_rate_year: float = 0.25  # cost of capital tied in stock, × unit cost per year
    # recommendation: switch scheme only for a material saving (hysteresis)
    decision_margin: float = 0.15  # the other scheme must be ≥ 15 % cheaper a month …
    decision_min_saving: float = 100.0  # … and save at least this much a month
    # reason flags (informational)
    high_velocity_per_day: float = 5.0
    low_velocity_per_day: float = 0.2
    risk_high: float = 0.2  # FBS stock-out probability per cycle flagged as a risk
    bulky_litres: float = 20.0


def _default_allowed() -> tuple[tuple[bool, ...], ...]:
    # rows: demand class (smooth, erratic, intermittent, lumpy, none); cols: METHOD_NAMES
    #          ses   holt  hw     cro    sba    tsb    ses_w  sba_w  tsb_w  combo  cmb_w
    smooth = (True, True, True, False, False, True, True, False, True, True, True)
    erratic = (True, True, True, False, True, True, True, True, True, True, True)
    intermittent = (True, False, False, True, True, True, True, True, True, True, True)
    lumpy = (True, False, False, True, True, True, True, True, True, True, True)
    none = (True, False, False, False, False, False, False, False, False, False, False)
    return (smooth, erratic, intermittent, lumpy, none)


@dataclass(frozen=True)
class PlanParams:
    """Knobs of the whole plan (defaults in brackets are the documented house defaults).

    Forecasting: ``holdout_days`` [28] last days used for the rolling-origin holdout, origins
    every ``origin_step_days`` [7] inside it (4 origins); ``selection_metric`` ["rmsse"] or "mase";
    ``horizon_days`` [28] over which ``forecast_mean`` is averaged; smoothing grids (per
    method the parameter set with the lowest in-sample one-step SSE up to each origin is
    used); ``allowed`` (5 demand classes × methods) limits the candidates by class.
    Classification: ``adi_cutoff`` [1.32], ``cv2_cutoff`` [0.49], ``abc_cutoffs`` [(0.8, 0.95)]
    cumulative revenue shares, revenue over the last ``abc_window_days`` [365].
    Policy: ``service_target`` ["cycle"] or "fill_rate"; discrete lead-time demand
    (Poisson/negative binomial) for intermittent/lumpy SKUs and whenever the lead-time demand
    mean is below ``discrete_mean_below`` [20 units]; ``use_eoq`` [False] with
    ``holding_rate_year`` [0.25 × unit_cost] and ``order_cost`` [per order].
    ``reorder_lift`` [0]: under a cycle-service target the reorder point s is raised by this
    share of the lot Q = S − s, S unchanged (s + lift·Q), so an order is due sooner and is at
    least (1 − lift)·Q (``policy.compute_policy``; bench/results/backtest.md for the frontier).
    ``allocation`` ["target"]: every SKU's reorder point at its own (calibrated) cycle-service
    target; "cancellations" spends the same stock value (Σ cost × reorder point of the plan, or
    of the chunk) with the fewest expected cancelled orders (``policy.allocate_levels``: each
    SKU's stock-out risk proportional to unit cost × units per order × order cycle), levels
    kept in [``allocation_floor`` 0.5, ``allocation_cap`` 0.999]; cycle targets only.
    Lead-time demand: ``lead_time_demand`` ["empirical"] estimates the distribution of the
    total over P from rolling-origin totals pooled over similar SKUs (``ltd``); "model" uses
    the normal / Poisson / negative-binomial model of the daily error scaled by √P.
    Start of a history: with ``trim_leading_zeros`` [True] the days before the first sale are
    unusable except the last ``keep_leading_days`` [28] (the first sale's exposure);
    ``warm_start`` [True] starts every smoothed level as the running mean of its first values
    until that weighs less than its α (False: the plain recursions, started at the first value).
    Shop calendar: ``detect_closed_days`` [True] finds the days the shop was closed in the
    snapshot's own demand when it brings no calendar (``planning.engine.calendar``).
    Execution: ``chunk_size`` SKUs per vectorised block, ``n_threads`` worker threads.
    """

    horizon_days: int = 28
    holdout_days: int = 28
    origin_step_days: int = 7
    min_history_days: int = 14
    selection_metric: str = "rmsse"
    trim_leading_zeros: bool = True
    warm_start: bool = True
    keep_leading_days: int = 28
    ses_alphas: tuple[float, ...] = (0.05,)
    croston_alpha: float = 0.1
    tsb_params: tuple[tuple[float, float], ...] = ((0.1, 0.05),)
    holt_params: tuple[tuple[float, float, float], ...] = ((0.1, 0.01, 0.9),)
    hw_params: tuple[tuple[float, float, float, float], ...] = ((0.1, 0.01, 0.05, 0.9),)
    weekly_alpha: float = 0.05
    weekly_shrink: float = 0.3
    allowed: tuple[tuple[bool, ...], ...] = field(default_factory=_default_allowed)
    adi_cutoff: float = 1.32
    cv2_cutoff: float = 0.49
    abc_cutoffs: tuple[float, float] = (0.8, 0.95)
    abc_window_days: int = 365
    service_target: str = "cycle"
    discrete_mean_below: float = 20.0
    allow_negative_safety_stock: bool = False
    allocation: str = "target"
    allocation_floor: float = 0.5
    allocation_cap: float = 0.999
    use_eoq: bool = False
    holding_rate_year: float = 0.25
    order_cost: float = 0.0
    reorder_lift: float = 0.0
    stockout_lookahead_days: int = 365
    lead_time_demand: str = "empirical"
    tariffs: Tariffs = field(default_factory=Tariffs)
    detect_closed_days: bool = True
    chunk_size: int = 8192
    n_threads: int = 2

    def __post_init__(self) -> None:
        if self.selection_metric not in ("rmsse", "mase"):
            raise ValueError("selection_metric must be 'rmsse' or 'mase'")
        if self.lead_time_demand not in ("empirical", "model"):
            raise ValueError("lead_time_demand must be 'empirical' or 'model'")
        if self.service_target not in ("cycle", "fill_rate"):
            raise ValueError("service_target must be 'cycle' or 'fill_rate'")
        if self.allocation not in ("target", "cancellations"):
            raise ValueError("allocation must be 'target' or 'cancellations'")
        if not (0 <= self.reorder_lift < 1):
            raise ValueError("reorder_lift must be in [0, 1)")
        if not (0 < self.allocation_floor <= self.allocation_cap < 1):
            raise ValueError("allocation levels must satisfy 0 < floor <= cap < 1")
        if np.shape(self.allowed) != (len(DEMAND_CLASS_NAMES), len(METHOD_NAMES)):
            raise ValueError("allowed must be (5 demand classes) × (len(METHOD_NAMES))")
        if not (0 < self.abc_cutoffs[0] <= self.abc_cutoffs[1] <= 1):
            raise ValueError("abc_cutoffs must satisfy 0 < A <= B <= 1")


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CataloguePlan:
    """The plan: flat per-SKU arrays (shape (n,) unless stated) ready for bulk insert.

    Classification: demand_class (int8, DEMAND_CLASS_NAMES), adi (mean days between demands),
      cv2 (squared coefficient of variation of non-zero demand sizes), abc_class (int8,
      ABC_NAMES), revenue (money over the ABC window).
    Forecast: method (int8, METHOD_NAMES), forecast_mean (units/day averaged over the
      horizon), forecast_sd (sd of the daily forecast error, units/day, from the holdout),
      weekly_profile (n, 7) Monday..Sunday multipliers averaging 1 (all ones unless the
      method is seasonal), holdout_mase, holdout_rmsse, holdout_bias (mean error ÷ in-sample
      naive MAE; positive = over-forecast) of the chosen method over the rolling-origin
      holdout; they are slightly optimistic because the same holdout chose the method, and
      NaN when undefined (no usable holdout day, or a constant history).
    Policy: lead_time_demand_mean/_sd (units over L + R), distribution (int8,
      DISTRIBUTION_NAMES), safety_stock, reorder_point, order_up_to, inventory_position
      (available + FBO stock + on_order + in_transit); an (R, s, S) review: reorder_point
      s = demand over L + R + safety stock, order_up_to S = s + R·d (or + EOQ), and
      suggested_order = S − position rounded to MOQ/pack only when position ≤ s, else 0;
      eoq (0 when disabled).
    Risk over the replenishment horizon (L, plus fbs_prep_days for FBS SKUs): risk_horizon_days,
      stockout_probability, expected_units_short, expected_cancelled_orders (all against
      available + FBO stock + receipts due), days_of_cover ((available + FBO stock) ÷
      forecast_mean, inf if no demand), stockout_day (days from the plan date
      until expected stock runs out, inf if not within the lookahead).
    Fulfilment: fbo_monthly_cost, fbs_monthly_cost, recommended_scheme (int8, SCHEME_NAMES),
      scheme_reasons (int32 bitmask over REASON_NAMES), fbo_shipment (n, W) units to send to
      each FBO warehouse (zero for SKUs that do not sell through FBO, see
      ``FboSnapshot.enabled``, and where the warehouse's position covers transit + supply
      cycle + safety stock; (n, 0) without FBO data).
    History: history_days (int32) days from the first usable sale to the end of the history
      (0 without a sale; under ``calibration.NEW_DAYS`` the SKU is "new").
    Promise (``promise``; all from the one distribution the safety stock and reorder point come
      from): protection_days (int32) P = L + R in whole days the promise is stated over;
      promise_quantiles (n, len(promise_levels)) the model's own quantiles of total demand
      over P (units, non-decreasing along the levels, before recalibration); promise_mean its
      mean; promise_stockout_probability P(demand over P > reorder_point) restated through the
      calibration; calibration_applied the level the reorder point was read at (the target
      when no calibration applies, and always under the fill-rate target).
    """

    demand_class: np.ndarray
    adi: np.ndarray
    cv2: np.ndarray
    abc_class: np.ndarray
    revenue: np.ndarray
    method: np.ndarray
    forecast_mean: np.ndarray
    forecast_sd: np.ndarray
    weekly_profile: np.ndarray
    holdout_mase: np.ndarray
    holdout_rmsse: np.ndarray
    holdout_bias: np.ndarray
    lead_time_demand_mean: np.ndarray
    lead_time_demand_sd: np.ndarray
    distribution: np.ndarray
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    order_up_to: np.ndarray
    inventory_position: np.ndarray
    suggested_order: np.ndarray
    eoq: np.ndarray
    risk_horizon_days: np.ndarray
    stockout_probability: np.ndarray
    expected_units_short: np.ndarray
    expected_cancelled_orders: np.ndarray
    days_of_cover: np.ndarray
    stockout_day: np.ndarray
    fbo_monthly_cost: np.ndarray
    fbs_monthly_cost: np.ndarray
    recommended_scheme: np.ndarray
    scheme_reasons: np.ndarray
    fbo_shipment: np.ndarray
    history_days: np.ndarray
    protection_days: np.ndarray
    promise_quantiles: np.ndarray
    promise_mean: np.ndarray
    promise_stockout_probability: np.ndarray
    calibration_applied: np.ndarray

    promise_levels: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)
    demand_class_names: tuple[str, ...] = DEMAND_CLASS_NAMES
    abc_names: tuple[str, ...] = ABC_NAMES
    method_names: tuple[str, ...] = METHOD_NAMES
    distribution_names: tuple[str, ...] = DISTRIBUTION_NAMES
    scheme_names: tuple[str, ...] = SCHEME_NAMES
    reason_names: tuple[str, ...] = REASON_NAMES

    def reasons_of(self, i: int) -> list[str]:
        """Reason labels of SKU ``i`` (decoded bitmask)."""
        bits = int(self.scheme_reasons[i])
        return [name for b, name in enumerate(REASON_NAMES) if bits >> b & 1]
