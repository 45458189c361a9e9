"""Backtests at equal stock: the efficient frontier of Zapas and of the naive min/max (not a test).

    .venv/bin/python bench/frontier.py [--days 91] [--windows 2] [--write]
    .venv/bin/python bench/frontier.py --fill-rate [--windows 2] [--write]

Per data set and window (the last ``--days`` days, and each ``--days`` before it) the test days
are replayed (lost sales; lead time 7 ± 2 days, weekly review, plan re-made weekly on the days
before) once per Zapas cycle-service target and once per min/max multiplier, with the same
demand and lead-time draws (``planning.engine.frontier.sweep_policies``).  Zapas three ways:
every product at the target ("zapas"), the target spread by unit cost ("zapas_value",
``policy.value_weighted_levels``) and each target's stock value spread for the fewest expected
cancellations ("zapas_cancellations", ``PlanParams(allocation="cancellations")``).  A cancelled
order is one customer order line: lost units ÷ the product's mean units per sales line in the
file (the same rule for every policy; the synthetic panel has no lines, so one unit).  Data sets:
UCI Online Retail, the 2,000 busiest products and the slow tail (the rest), and a synthetic
panel (``bench/_data``).  Rows "service defaults": Zapas as the service plans (EOQ lots at
``ZAPAS_ORDER_COST`` = 100 RUB an order line, £0.95 at 105 RUB to the pound, and the reorder
point raised by ``ZAPAS_REORDER_LIFT`` = half a lot), beside the same lots without the lift.  Charts (the last window): bench/results/frontier_<set>.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import resource
import sys
from math import nan
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._data import load_retail_lines, synthetic_panel, write_section  # noqa: E402
from bench.engine_accuracy import snapshot_for  # noqa: E402
from planning.engine import PlanParams  # noqa: E402
from planning.engine.backtest import first_possible_arrival  # noqa: E402
from planning.engine.frontier import (  # noqa: E402
    at_equal_cost,
    at_equal_stock,
    frontier_chart,
    sweep_policies,
)

RESULTS = ROOT / "bench" / "results"
FILL_TARGETS = (0.8, 0.9, 0.95, 0.98)
ZAPAS = ("zapas", "zapas_value", "zapas_cancellations")
# money per order placed (one product's order line) for the reading at equal cost, with the
# plan's holding rate (25 % a year): the Online Retail prices are a few pounds a unit
ORDER_COSTS = (1.0, 5.0)
# the service's default lots (config/settings.py: EOQ at ZAPAS_ORDER_COST = 100 RUB an order
# line) in the file's pounds: 100 RUB at 105 RUB to the pound
SERVICE_ORDER_COST = 0.95
# PlanParams(reorder_lift=…) replayed beside the defaults: s raised by half a lot, S unchanged
REORDER_LIFT = 0.5


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def report(
    name: str, snap, days: int, chart: bool, costed: list[str]
) -> tuple[list[str], list[str]]:
    """The sweep's table and one summary line per Zapas policy (share of min/max's
    cancellations at its value, ×1 … ×4); appends to ``costed`` the same shares where stock
    and orders cost what min/max's do, per order cost of ``ORDER_COSTS``."""
    t = _cpu()
    points = sweep_policies(snap, days, allocations=("target", "value", "cancellations"))
    took = _cpu() - t
    if chart:
        frontier_chart(points, str(RESULTS / f"frontier_{name}.png"), f"{name}: last {days} days")
    lines = [
        f"**{name}** ({snap.n_skus} products, {took:.0f} s CPU)",
        "",
        "| policy | setting | fill rate | avg inventory value | cancellations | lost units | "
        "orders placed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        lines.append(
            f"| {p.policy} | {p.setting:g} | {p.fill_rate:.1%} | {p.avg_inventory_value:,.0f} | "
            f"{p.cancelled_orders:,.0f} | {p.lost_units:,.0f} | {p.orders:,.0f} |"
        )
    summary = []
    lines += [
        "",
        "At min/max's inventory value (— where Zapas's sweep does not reach it):",
        "",
        "| Zapas | min/max × | its value | its fill | its cancels | its orders | "
        "Zapas fill there | Zapas cancels there | ÷ min/max's | Zapas orders there | "
        "Zapas value at its fill |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for policy in ZAPAS:
        shares = []
        for r in at_equal_stock(points, policy):
            if r["multiplier"] < 1:
                continue
            mm = r["min_max_cancelled"]
            share = r["zapas_cancelled"] / mm if mm else nan
            shares.append(share)
            lines.append(
                f"| {policy} | {r['multiplier']:g} | {r['min_max_value']:,.0f} | "
                f"{r['min_max_fill_rate']:.1%} | {mm:,.0f} | {r['min_max_orders']:,.0f} | "
                f"{r['zapas_fill_rate']:.1%} | {r['zapas_cancelled']:,.0f} | {share:.0%} | "
                f"{r['zapas_orders']:,.0f} | {r['zapas_value']:,.0f} |"
            )
        summary.append(f"| {name} | {policy} | " + " | ".join(_pct(s) for s in shares) + " |")
    # the service's default lots, then with the reorder point lifted by half a lot
    for lift in (0.0, REORDER_LIFT):
        defaults = PlanParams(use_eoq=True, order_cost=SERVICE_ORDER_COST, reorder_lift=lift)
        def_points = sweep_policies(snap, days, defaults, allocations=("target", "cancellations"))
        label = f"EOQ lots at {SERVICE_ORDER_COST:g} an order (the service's cost)"
        if lift:
            label = f"service defaults (EOQ lots at {SERVICE_ORDER_COST:g}, reorder_lift {lift:g})"
        for policy in ("zapas", "zapas_cancellations"):
            summary.append(
                f"| {name} | {policy}, {label} | "
                + " | ".join(_shares(at_equal_stock(def_points, policy)))
                + " |"
            )
            costed.append(
                f"| {name} | {SERVICE_ORDER_COST:g} | {policy}, {label} | "
                + " | ".join(
                    _shares(
                        at_equal_cost(def_points, policy, order_cost=SERVICE_ORDER_COST, days=days)
                    )
                )
                + " |"
            )
    for cost in ORDER_COSTS:
        # Zapas again with lots of the economic order quantity at this order cost
        eoq = PlanParams(use_eoq=True, order_cost=cost)
        eoq_points = sweep_policies(snap, days, eoq, allocations=("target", "cancellations"))
        for policy, pts, label in [(p, points, p) for p in ZAPAS] + [
            (p, eoq_points, f"{p}, EOQ lots") for p in ("zapas", "zapas_cancellations")
        ]:
            costed.append(
                f"| {name} | {cost:g} | {label} | "
                + " | ".join(_shares(at_equal_cost(pts, policy, order_cost=cost, days=days)))
                + " |"
            )
            if pts is eoq_points:
                summary.append(
                    f"| {name} | {label} at {cost:g} an order | "
                    + " | ".join(_shares(at_equal_stock(pts, policy)))
                    + " |"
                )
    return lines + [""], summary


def _shares(rows: list[dict]) -> list[str]:
    """Zapas's cancellations as a share of min/max's at ×1 … ×4."""
    return [
        _pct(r["zapas_cancelled"] / r["min_max_cancelled"] if r["min_max_cancelled"] else nan)
        for r in rows
        if r["multiplier"] >= 1
    ]


def _pct(x: float) -> str:
    return "—" if not np.isfinite(x) else f"{x:.0%}"


def _rows(snap, keep: np.ndarray):
    """The snapshot of the products ``keep`` (every per-product array indexed)."""
    n = snap.n_skus
    return dataclasses.replace(
        snap,
        **{
            f.name: getattr(snap, f.name)[keep]
            for f in dataclasses.fields(snap)
            if isinstance(getattr(snap, f.name), np.ndarray)
            and getattr(snap, f.name).shape[:1] == (n,)
        },
    )


def fill_rate_targets(name: str, snap, days: int) -> list[str]:
    """Zapas under the fill-rate target (``PlanParams(service_target="fill_rate")``): the fill
    rate each target achieved in the replay, and how far from the target; beside it the same
    for the products sold before the window (a product never sold cannot be planned for, and
    on the slow tail such launches bring most of the window's units) and for the demand
    within reach (``backtest.first_possible_arrival``: a launch's units before an order placed
    after its first sale could arrive are lost whatever the policy, and are left out).  The
    last column is the share of the units short (within reach, below the target's own
    shortfall) borne by the 10 products short the most: where a few single lines far beyond
    any stock make the shortfall, that share is near 100 %."""
    t = _cpu()
    params = PlanParams(service_target="fill_rate")
    y = np.asarray(snap.demand, np.float64)
    reach = first_possible_arrival(y, days, snap.lead_time_mean_days)
    points = sweep_policies(
        snap, days, params, targets=FILL_TARGETS, multipliers=(), count_from=reach
    )
    sold = y[:, : y.shape[1] - days].sum(axis=1) > 0
    known = sweep_policies(_rows(snap, sold), days, params, targets=FILL_TARGETS, multipliers=())
    window = y[:, y.shape[1] - days :]
    new_share = window[~sold].sum() / max(window.sum(), 1e-9)
    out_of_reach = (window * (np.arange(days)[None, :] < reach[:, None])).sum()
    top = _top_short(snap, days, params, reach)
    lines = [
        f"**{name}, fill-rate target** ({snap.n_skus} products, {_cpu() - t:.0f} s CPU; "
        f"{(~sold).sum()} never sold before the window bring {new_share:.0%} of its units, "
        f"{out_of_reach / max(window.sum(), 1e-9):.0%} before an order could arrive)",
        "",
        "| fill-rate target | achieved | points off | avg inventory value | cancellations | "
        "orders placed | sold before: achieved | points off | within reach: achieved | "
        "points off | 10 products' share of the shortfall |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p, k, share in zip(points, known, top, strict=True):
        lines.append(
            f"| {p.setting:g} | {p.fill_rate:.1%} | {100 * (p.fill_rate - p.setting):+.1f} | "
            f"{p.avg_inventory_value:,.0f} | {p.cancelled_orders:,.0f} | {p.orders:,.0f} | "
            f"{k.fill_rate:.1%} | {100 * (k.fill_rate - k.setting):+.1f} | "
            f"{p.reach_fill_rate:.1%} | {100 * (p.reach_fill_rate - p.setting):+.1f} | "
            f"{_pct(share)} |"
        )
    return lines + [""]


def _top_short(snap, days: int, params, reach: np.ndarray, k: int = 10) -> list[float]:
    """Per fill-rate target: the share of the units short within reach beyond the target's
    own allowance ((1 − β) of the demand) that the ``k`` products short the most bring."""
    from planning.engine.backtest import simulate_policy
    from planning.engine.plan import replenishment_levels

    y = np.asarray(snap.demand, np.float64)
    n, n_days = y.shape
    first = n_days - days
    lo = np.empty((len(FILL_TARGETS), n, days))
    hi = np.empty_like(lo)
    for d0 in range(0, days, 7):
        end = first + d0
        train = dataclasses.replace(
            snap,
            demand=snap.demand[:, :end],
            history_end_weekday=(snap.history_end_weekday - (n_days - end)) % 7,
        )
        levels = [(np.full(n, t), params) for t in FILL_TARGETS]
        for j, pol in enumerate(replenishment_levels(train, levels, params)):
            lo[j, :, d0 : d0 + 7] = pol.reorder_point[:, None]
            hi[j, :, d0 : d0 + 7] = pol.order_up_to[:, None]
    shares = []
    for j, target in enumerate(FILL_TARGETS):
        r = simulate_policy(
            y[:, first:], lo[j], hi[j], snap.lead_time_mean_days, snap.lead_time_sd_days,
            snap.review_days, snap.unit_cost, snap.moq, snap.pack_size, count_from=reach,
        )  # fmt: skip
        excess = r.lost_from - (1 - target) * r.demand_from
        total = np.maximum(excess, 0).sum()
        shares.append(float(np.sort(np.maximum(excess, 0))[-k:].sum() / total) if total else nan)
    return shares


def datasets(windows: int, days: int):
    """(name, snapshot, is the last window) per data set and window."""
    demand, _codes, start, price, per_line = load_retail_lines(4000)
    syn = synthetic_panel(2000, 730, seed=1).astype(np.float64)
    for w in range(windows):
        cut = w * days
        tag = "" if w == 0 else f"_minus{cut}"
        end = demand.shape[1] - cut
        end_wd = (start + dt.timedelta(days=end - 1)).weekday()
        for name, sl in (("retail_busy", slice(0, 2000)), ("retail_slow", slice(2000, 4000))):
            snap = snapshot_for(demand[sl, :end], end_wd, price[sl])
            upo = np.maximum(per_line[sl], 1.0)
            yield name + tag, dataclasses.replace(snap, mean_units_per_order=upo), w == 0
        syn_snap = snapshot_for(syn[:, : syn.shape[1] - cut], (6 - cut) % 7, np.full(2000, 100.0))
        yield "synthetic" + tag, syn_snap, w == 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--windows", type=int, default=2, help="test windows, newest first")
    ap.add_argument("--write", action="store_true")
    ap.add_argument(
        "--fill-rate",
        action="store_true",
        help="only the fill-rate targets (their own section)",
    )
    args = ap.parse_args()
    header = f"(load average {os.getloadavg()[0]:.1f} at the start)"
    if args.fill_rate:
        lines = [header, ""]
        for name, snap, _last in datasets(args.windows, args.days):
            lines += fill_rate_targets(name, snap, args.days)
        table = "\n".join(lines)
        print(table)
        if args.write:
            write_section(
                RESULTS / "backtest.md", "Fill-rate targets (bench/frontier.py --fill-rate)", table
            )
        return
    lines, summary, costed = [header, ""], [], []
    for name, snap, last in datasets(args.windows, args.days):
        body, rows = report(name, snap, args.days, last and args.write, costed)
        lines += body
        summary += rows
    head = [
        "Zapas's cancellations as a share of min/max's at min/max's inventory value "
        "(× 1, 1.5, 2, 3, 4; — where Zapas's sweep does not reach):",
        "",
        "| data, window | Zapas | ×1 | ×1.5 | ×2 | ×3 | ×4 |",
        "|---|---|---:|---:|---:|---:|---:|",
        *summary,
        "",
        "The same where stock and orders together cost what min/max's do (holding 25 % a year "
        "of the average inventory value over the window, plus the order cost per order placed; "
        "`frontier.at_equal_cost`): Zapas places more, smaller orders, so it pays for them here; "
        '"EOQ lots": Zapas replayed with `PlanParams(use_eoq=True, order_cost=…)` at that cost:',
        "",
        "| data, window | order cost | Zapas | ×1 | ×1.5 | ×2 | ×3 | ×4 |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
        *costed,
        "",
    ]
    table = "\n".join(head + lines)
    print(table)
    if args.write:
        write_section(RESULTS / "backtest.md", "Efficient frontier (bench/frontier.py)", table)


if __name__ == "__main__":
    main()
