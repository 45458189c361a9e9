"""Replay an inventory policy over a demand history (lost-sales simulation).

Daily loop over the test days, vectorised over SKUs.  Each day: receipts due today arrive;
demand is served from stock (unmet demand is lost); on review days (day index multiple of
the SKU's review period) the policy orders ``order_up_to − IP`` when IP = on hand + on
order is at or below the reorder point (levels may be fixed (n,) or vary by day (n, T), as
when the plan is re-made every week) (for an order-up-to policy s = S: below it),
rounded up to MOQ / pack; the order arrives after a lead time ℓ drawn from
N(L, σL) rounded to whole days (at least 1).  The review follows the day's sales, so an order
placed on day t is sellable from day t + ℓ + 1: ℓ whole days of demand fall before it, the L of
the policy's protection period L + R.  Figures per SKU:

* fill rate = served units ÷ demanded units (1 when nothing was demanded);
* cycle service level = share of review cycles without lost demand;
* stock-out days = days with lost demand; lost units;
* average inventory value = mean end-of-day stock × unit cost; orders placed;
* with ``count_from`` (a test day per SKU) the demand and lost units from that day on, for a
  fill rate of the demand a policy could have served (``first_possible_arrival``: a product
  never sold before the window has nothing on the shelf until an order placed after its first
  sale arrives, whatever the policy).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .policy import round_order
from .schema import CatalogueSnapshot, PlanParams


@dataclass(frozen=True)
class BacktestResult:
    """Per-SKU backtest figures (float64 (n,))."""

    fill_rate: np.ndarray
    cycle_service_level: np.ndarray
    stockout_days: np.ndarray
    lost_units: np.ndarray
    avg_inventory_value: np.ndarray
    demand_units: np.ndarray
    orders: np.ndarray  # replenishment orders placed
    # demand and lost units from each SKU's ``count_from`` day on (None without it)
    demand_from: np.ndarray | None = None
    lost_from: np.ndarray | None = None

    def summary(self) -> dict[str, float]:
        """Catalogue totals: unit-weighted fill rate, mean CSL, totals of the rest."""
        dem = self.demand_units.sum()
        return {
            "fill_rate": float(1 - self.lost_units.sum() / dem) if dem > 0 else 1.0,
            "cycle_service_level": float(self.cycle_service_level.mean()),
            "stockout_days": float(self.stockout_days.sum()),
            "lost_units": float(self.lost_units.sum()),
            "avg_inventory_value": float(self.avg_inventory_value.sum()),
        }


def simulate_policy(
    demand: np.ndarray,
    reorder_point: np.ndarray,
    order_up_to: np.ndarray,
    lead_time_mean: np.ndarray,
    lead_time_sd: np.ndarray,
    review_days: np.ndarray,
    unit_cost: np.ndarray,
    moq: np.ndarray | None = None,
    pack_size: np.ndarray | None = None,
    initial_stock: np.ndarray | None = None,
    seed: int = 0,
    count_from: np.ndarray | None = None,
) -> BacktestResult:
    """Simulate an (R, s, S) policy on ``demand`` (n, T) units/day; see the module docstring.

    ``reorder_point`` / ``order_up_to``: (n,) fixed or (n, T) levels in force on each day.
    ``initial_stock`` defaults to the first day's order-up-to level.  Lead times are sampled with
    ``numpy.random.default_rng(seed)``, so two policies replayed with the same seed see the
    same demand and comparable lead times.  ``count_from`` (n,) test-day index per SKU: also
    sum its demand and lost units from that day on (``demand_from``, ``lost_from``).
    """
    y = np.asarray(demand, np.float64)
    n, n_days = y.shape
    f = np.float64
    s_lo_all = np.asarray(reorder_point, f)
    s_hi_all = np.maximum(np.asarray(order_up_to, f), s_lo_all)
    if s_lo_all.ndim == 1:
        s_lo_all, s_hi_all = s_lo_all[:, None], s_hi_all[:, None]
    s_lo, s_hi = s_lo_all[:, 0], s_hi_all[:, 0]
    lt = np.asarray(lead_time_mean, f) * np.ones(n)
    lsd = np.asarray(lead_time_sd, f) * np.ones(n)
    rv = np.maximum(np.round(np.asarray(review_days, f) * np.ones(n)), 1).astype(np.int64)
    cost = np.asarray(unit_cost, f) * np.ones(n)
    moq = np.zeros(n) if moq is None else np.asarray(moq, f) * np.ones(n)
    pack = np.ones(n) if pack_size is None else np.asarray(pack_size, f) * np.ones(n)
    rng = np.random.default_rng(seed)
    max_lt = int(np.ceil(np.max(lt + 4 * lsd, initial=1))) + 3
    pipe = np.zeros((n, max_lt + 1))
    on_hand = (s_hi if initial_stock is None else np.asarray(initial_stock, f)).copy()
    on_order = np.zeros(n)
    served = np.zeros(n)
    lost = np.zeros(n)
    so_days = np.zeros(n)
    inv_sum = np.zeros(n)
    cycles = np.zeros(n)
    good_cycles = np.zeros(n)
    cycle_bad = np.zeros(n, bool)
    n_orders = np.zeros(n)
    rows = np.arange(n)
    start = None if count_from is None else np.asarray(count_from, np.int64) * np.ones(n, np.int64)
    lost_from = np.zeros(n)
    for t in range(n_days):
        if s_lo_all.shape[1] > 1:
            s_lo, s_hi = s_lo_all[:, t], s_hi_all[:, t]
        slot = t % (max_lt + 1)
        arr = pipe[:, slot]
        on_hand += arr
        on_order -= arr
        pipe[:, slot] = 0
        dem = y[:, t]
        sold = np.minimum(dem, np.maximum(on_hand, 0))
        miss = dem - sold
        on_hand -= sold
        served += sold
        lost += miss
        if start is not None:
            lost_from += np.where(start <= t, miss, 0.0)
        short = miss > 1e-9
        so_days += short
        cycle_bad |= short
        inv_sum += on_hand
        review = (t % rv) == 0
        if review.any():
            if t > 0:
                cycles += review
                good_cycles += review & ~cycle_bad
                cycle_bad &= ~review
            ip = on_hand + on_order
            # order-up-to policies (s == S) order whenever IP < S; (s, S) whenever IP <= s
            ots = np.isclose(s_lo, s_hi)
            trig = review & np.where(ots, ip < s_hi - 1e-9, ip <= s_lo)
            q = np.where(trig, round_order(np.maximum(s_hi - ip, 0), moq, pack), 0.0)
            if (q > 0).any():
                draw = np.rint(lt + lsd * rng.standard_normal(n))
                lead = np.clip(draw, 1, max_lt - 1).astype(np.int64)
                pipe[rows, (t + lead + 1) % (max_lt + 1)] += q
                on_order += q
                n_orders += q > 0
    cycles += 1  # the last, unfinished cycle
    good_cycles += ~cycle_bad
    dem_tot = y.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        fill = np.where(dem_tot > 0, served / dem_tot, 1.0)
    demand_from = None
    if start is not None:
        demand_from = np.where(np.arange(n_days)[None, :] >= start[:, None], y, 0.0).sum(axis=1)
    return BacktestResult(
        fill_rate=fill,
        cycle_service_level=good_cycles / cycles,
        stockout_days=so_days,
        lost_units=lost,
        avg_inventory_value=inv_sum / n_days * cost,
        demand_units=dem_tot,
        orders=n_orders,
        demand_from=demand_from,
        lost_from=None if start is None else lost_from,
    )


def first_possible_arrival(
    demand: np.ndarray,
    test_days: int,
    lead_time_mean: np.ndarray,
    replan_days: int = 7,
) -> np.ndarray:
    """Per SKU, the first test day (0-based, of the last ``test_days`` of ``demand``) on which
    stock ordered in response to its demand could be on the shelf: 0 for a SKU sold before
    the test window; for one first sold on test day f, the first replan after f (a plan made
    on day k sees the days before k) plus the mean lead time rounded plus one day (the order
    is placed after the day's sales); ``test_days`` for one never sold.  Before that day no
    policy that plans from the history has stock to sell."""
    y = np.asarray(demand, np.float64)
    n, n_days = y.shape
    first = n_days - test_days
    sold_before = y[:, :first].sum(axis=1) > 0
    sale = y[:, first:] > 0
    f = np.where(sale.any(axis=1), sale.argmax(axis=1), test_days)
    step = max(int(replan_days), 1)
    lead = np.rint(np.asarray(lead_time_mean, np.float64) * np.ones(n)).astype(np.int64)
    arrive = (f // step + 1) * step + np.maximum(lead, 1) + 1
    return np.where(sold_before, 0, np.minimum(arrive, test_days)).astype(np.int64)


def naive_min_max(
    demand_history: np.ndarray,
    lead_time_mean: np.ndarray,
    review_days: np.ndarray,
    window_days: int = 90,
) -> tuple[np.ndarray, np.ndarray]:
    """A naive fixed min/max: min = average daily demand (last ``window_days``) × (L + R),
    max = 2 × min (no forecasting, no safety stock).  Returns (min, max) in units."""
    y = np.asarray(demand_history, np.float64)
    avg = y[:, -window_days:].mean(axis=1)
    lo = avg * (np.asarray(lead_time_mean, np.float64) + np.asarray(review_days, np.float64))
    return lo, 2 * lo


def compare_policies(
    snapshot: CatalogueSnapshot,
    test_days: int,
    params: PlanParams | None = None,
    seed: int = 0,
    replan_days: int = 7,
) -> dict[str, BacktestResult]:
    """Replay the last ``test_days`` of the history twice, with the same demand and seed:

    * Zapas: the plan is made on the history before the test window and re-made every
      ``replan_days`` days on the history up to that day (as the nightly job would);
    * naive fixed min/max (``naive_min_max``), recomputed on the same days.
    ``replan_days`` = 0 keeps the first levels for the whole window.
    """
    from .plan import plan_catalogue

    y = snapshot.demand
    n, n_days = y.shape
    first = n_days - test_days
    step = replan_days if replan_days > 0 else test_days
    z_lo = np.empty((n, test_days))
    z_hi = np.empty((n, test_days))
    n_lo = np.empty((n, test_days))
    n_hi = np.empty((n, test_days))
    for k in range(0, test_days, step):
        end = first + k
        train = dataclasses.replace(
            snapshot,
            demand=y[:, :end],
            stockout_mask=None
            if snapshot.stockout_mask is None
            else snapshot.stockout_mask[:, :end],
            lost_demand=None if snapshot.lost_demand is None else snapshot.lost_demand[:, :end],
            history_end_weekday=(snapshot.history_end_weekday - (n_days - end)) % 7,
            calendar=None if snapshot.calendar is None else snapshot.calendar.head(end),
        )
        plan = plan_catalogue(train, params)
        sl = slice(k, min(test_days, k + step))
        z_lo[:, sl] = plan.reorder_point[:, None]
        z_hi[:, sl] = plan.order_up_to[:, None]
        lo, hi = naive_min_max(y[:, :end], snapshot.lead_time_mean_days, snapshot.review_days)
        n_lo[:, sl] = lo[:, None]
        n_hi[:, sl] = hi[:, None]
    common = {
        "lead_time_mean": snapshot.lead_time_mean_days,
        "lead_time_sd": snapshot.lead_time_sd_days,
        "review_days": snapshot.review_days,
        "unit_cost": snapshot.unit_cost,
        "moq": snapshot.moq,
        "pack_size": snapshot.pack_size,
        "seed": seed,
    }
    test = y[:, first:]
    return {
        "zapas": simulate_policy(test, z_lo, z_hi, **common),
        "naive_min_max": simulate_policy(test, n_lo, n_hi, **common),
    }
