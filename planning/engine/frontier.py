"""Backtests at equal stock: fill rate against average inventory value, for Zapas's service
targets and for the naive min/max at several multipliers (the efficient frontier).

A policy that fills more orders only by holding more stock is not better; comparing two
policies needs each at several stock levels.  ``sweep_policies`` replays the test window once
per Zapas service target (the plan re-made every ``replan_days`` on the history up to that day)
and once per min/max multiplier m (min = m × average × (L + R), max = 2 × min), all with the
same demand and lead-time draws.  With ``allocations`` including "value" Zapas is replayed a
second time (policy "zapas_value") with each target spread over the SKUs by their unit cost and
order size (``policy.value_weighted_levels``: cheap items get more service, dear ones less, at
the same demand-weighted stock-out risk), what a planner gets by setting per-SKU targets so;
with "cancellations" (policy "zapas_cancellations") each target's stock value is spent with the
fewest expected cancelled orders (``PlanParams(allocation="cancellations")``, what the nightly
plan does with that setting).  The plan is forecast once per replan day for every setting
(``plan.replenishment_levels``).
``efficient_frontier`` keeps the points no other point of the
same policy beats on both value and fill rate, and ``at_equal_stock`` reads Zapas's curve at
min/max's inventory value and fill rate (linear interpolation between sweep points).
Zapas places more, smaller orders than min/max (its lots are one review's demand, min/max's
the min), so ``at_equal_cost`` reads it where stock and orders together cost what min/max's do
(``running_cost``: holding rate × value × days / 365 + order cost × orders).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .backtest import naive_min_max, simulate_policy
from .policy import value_weighted_levels
from .schema import CatalogueSnapshot, PlanParams

ALLOCATIONS: tuple[str, ...] = ("target", "value", "cancellations")
ZAPAS_TARGETS: tuple[float, ...] = (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995)
MIN_MAX_MULTIPLIERS: tuple[float, ...] = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0)


@dataclass(frozen=True)
class FrontierPoint:
    """One replay: the policy ("zapas" or "naive_min_max"), its setting (service target or
    multiplier) and catalogue totals."""

    policy: str
    setting: float
    fill_rate: float
    avg_inventory_value: float
    lost_units: float
    cancelled_orders: float
    stockout_days: float
    orders: float = 0.0
    # fill rate of the demand from each SKU's ``count_from`` day on (NaN without it)
    reach_fill_rate: float = float("nan")


def efficient_frontier(
    points: Sequence[FrontierPoint],
    policy: str,
    cost: Callable[[FrontierPoint], float] | None = None,
) -> list[FrontierPoint]:
    """The points of ``policy`` not beaten by another of its points on both inventory value
    (lower) and fill rate (higher), by increasing inventory value: what a chart draws.
    ``cost`` (e.g. ``running_cost``) ranks by that instead of the inventory value."""
    by = cost or (lambda p: p.avg_inventory_value)
    pts = sorted((p for p in points if p.policy == policy), key=lambda p: (by(p), -p.fill_rate))
    out: list[FrontierPoint] = []
    for p in pts:
        if not out or p.fill_rate > out[-1].fill_rate:
            out.append(p)
    return out


def running_cost(
    point: FrontierPoint, order_cost: float, holding_rate_year: float, days: int
) -> float:
    """What the replay's stock and orders cost over its ``days``: the average inventory
    value × ``holding_rate_year`` × days / 365 plus ``order_cost`` per order placed (one
    SKU's order line; money)."""
    return point.avg_inventory_value * holding_rate_year * days / 365 + order_cost * point.orders


def at_equal_cost(
    points: Sequence[FrontierPoint],
    policy: str = "zapas",
    *,
    order_cost: float,
    holding_rate_year: float = 0.25,
    days: int,
) -> list[dict[str, float | str]]:
    """Per min/max point: Zapas's (``policy``) fill rate, cancellations and orders where its
    stock and orders cost what min/max's do (``running_cost``; NaN where Zapas's sweep does
    not reach), so a policy that fills more by ordering more often pays for its orders."""

    def cost(p: FrontierPoint) -> float:
        return running_cost(p, order_cost, holding_rate_year, days)

    z = efficient_frontier(points, policy, cost)
    xs = np.array([cost(p) for p in z])
    rows = []
    for m in (p for p in points if p.policy == "naive_min_max"):
        c = cost(m)
        rows.append(
            {
                "policy": policy,
                "multiplier": m.setting,
                "order_cost": order_cost,
                "min_max_cost": c,
                "min_max_fill_rate": m.fill_rate,
                "min_max_cancelled": m.cancelled_orders,
                "min_max_orders": m.orders,
                "zapas_fill_rate": _interp(c, xs, np.array([p.fill_rate for p in z])),
                "zapas_cancelled": _interp(c, xs, np.array([p.cancelled_orders for p in z])),
                "zapas_orders": _interp(c, xs, np.array([p.orders for p in z])),
            }
        )
    return rows


def _interp(x: float, xs: np.ndarray, ys: np.ndarray) -> float:
    """y at x on the polyline (xs increasing); NaN outside its range (no extrapolation)."""
    if xs.size == 0 or x < xs[0] or x > xs[-1]:
        return float("nan")
    return float(np.interp(x, xs, ys))


def at_equal_stock(
    points: Sequence[FrontierPoint], policy: str = "zapas"
) -> list[dict[str, float | str]]:
    """Per min/max point: Zapas's (``policy``) fill rate, cancellations and orders placed at its
    inventory value, and Zapas's inventory value at its fill rate (NaN where Zapas's sweep does not
    reach)."""
    z = efficient_frontier(points, policy)
    val = np.array([p.avg_inventory_value for p in z])
    fill = np.array([p.fill_rate for p in z])
    canc = np.array([p.cancelled_orders for p in z])
    orders = np.array([p.orders for p in z])
    rows = []
    for m in (p for p in points if p.policy == "naive_min_max"):
        rows.append(
            {
                "policy": policy,
                "multiplier": m.setting,
                "min_max_value": m.avg_inventory_value,
                "min_max_fill_rate": m.fill_rate,
                "min_max_cancelled": m.cancelled_orders,
                "min_max_orders": m.orders,
                "zapas_fill_rate": _interp(m.avg_inventory_value, val, fill),
                "zapas_cancelled": _interp(m.avg_inventory_value, val, canc),
                "zapas_orders": _interp(m.avg_inventory_value, val, orders),
                "zapas_value": _interp(m.fill_rate, fill, val),
            }
        )
    return rows


def sweep_policies(
    snapshot: CatalogueSnapshot,
    test_days: int,
    params: PlanParams | None = None,
    targets: Sequence[float] = ZAPAS_TARGETS,
    multipliers: Sequence[float] = MIN_MAX_MULTIPLIERS,
    seed: int = 0,
    replan_days: int = 7,
    allocations: Sequence[str] = ("target",),
    count_from: np.ndarray | None = None,
) -> list[FrontierPoint]:
    """Replay the last ``test_days`` of the history for every target and multiplier (and
    allocation: "target" = every SKU at the target, policy "zapas"; "value" = the target
    spread by value, policy "zapas_value").  ``count_from`` (a test day per SKU, e.g.
    ``backtest.first_possible_arrival``) adds each point's fill rate of the demand from that
    day on (``reach_fill_rate``)."""
    from .plan import replenishment_levels

    params = params or PlanParams()
    y = snapshot.demand
    n, n_days = y.shape
    first = n_days - test_days
    step = replan_days if replan_days > 0 else test_days
    unknown = set(allocations) - set(ALLOCATIONS)
    if unknown:
        raise ValueError(f"unknown allocation(s): {sorted(unknown)}")
    runs = [(a, t) for a in allocations for t in targets]
    z_lo = np.empty((len(runs), n, test_days))
    z_hi = np.empty_like(z_lo)
    upo = np.maximum(np.asarray(snapshot.mean_units_per_order, np.float64), 1.0)
    n_lo = np.empty((n, test_days))
    n_hi = np.empty((n, test_days))
    by_target = dataclasses.replace(params, allocation="target")
    by_cancels = dataclasses.replace(params, allocation="cancellations")
    for k in range(0, test_days, step):
        end = first + k
        sl = slice(k, min(test_days, k + step))
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
        recent = np.asarray(y[:, max(0, end - 91) : end], np.float64).mean(axis=1)
        settings = []
        for allocation, target in runs:
            level = np.full(n, target)
            if allocation == "value":
                level = value_weighted_levels(level, snapshot.unit_cost, recent, upo)
            settings.append((level, by_cancels if allocation == "cancellations" else by_target))
        for j, pol in enumerate(replenishment_levels(train, settings, params)):
            z_lo[j, :, sl] = pol.reorder_point[:, None]
            z_hi[j, :, sl] = pol.order_up_to[:, None]
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
        "count_from": count_from,
    }
    test = np.asarray(y[:, first:], np.float64)
    out = []

    def point(policy: str, setting: float, res) -> FrontierPoint:
        s = res.summary()
        return FrontierPoint(
            policy=policy,
            setting=float(setting),
            fill_rate=s["fill_rate"],
            avg_inventory_value=s["avg_inventory_value"],
            lost_units=s["lost_units"],
            cancelled_orders=float((res.lost_units / upo).sum()),
            stockout_days=s["stockout_days"],
            orders=float(res.orders.sum()),
            reach_fill_rate=float("nan")
            if res.demand_from is None
            else float(1 - res.lost_from.sum() / max(res.demand_from.sum(), 1e-12)),
        )

    for j, (allocation, target) in enumerate(runs):
        name = "zapas" if allocation == "target" else f"zapas_{allocation}"
        out.append(point(name, target, simulate_policy(test, z_lo[j], z_hi[j], **common)))
    for m in multipliers:
        out.append(point("naive_min_max", m, simulate_policy(test, m * n_lo, m * n_hi, **common)))
    return out


def frontier_chart(points: Sequence[FrontierPoint], path: str, title: str = "") -> None:
    """Draw fill rate against average inventory value for both policies into ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    for policy, label, marker in (
        ("zapas", "Zapas (service target)", "o"),
        ("zapas_value", "Zapas (target spread by value)", "^"),
        ("zapas_cancellations", "Zapas (stock spread for the fewest cancellations)", "D"),
        ("naive_min_max", "min/max (multiplier)", "s"),
    ):
        pts = sorted((p for p in points if p.policy == policy), key=lambda p: p.avg_inventory_value)
        if not pts:
            continue
        xs = [p.avg_inventory_value for p in pts]
        ys = [100 * p.fill_rate for p in pts]
        ax.plot(xs, ys, marker=marker, label=label)
        # the Zapas curves share their settings and run close: label one above-left
        above = policy == "zapas"
        for p, x, y in zip(pts, xs, ys, strict=True):
            ax.annotate(
                f"{p.setting:g}", (x, y), textcoords="offset points", fontsize=7,
                xytext=(-4, 5) if above else (4, -5), ha="right" if above else "left",
                va="bottom" if above else "top",
            )  # fmt: skip
    ax.set_xlabel("average inventory value")
    ax.set_ylabel("fill rate, %")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
