"""Backtests at equal stock: the efficient frontier of Zapas and of the naive min/max (not a test).

    .venv/bin/python bench/frontier.py [--days 91] [--write]

Per data set the last ``--days`` days are replayed (lost sales; lead time 7 ± 2 days, weekly
review, plan re-made weekly on the days before) once per Zapas cycle-service target and once
per min/max multiplier, with the same demand and lead-time draws
(``planning.engine.frontier.sweep_policies``); Zapas twice: every product at the target
("zapas") and the target spread by unit cost ("zapas_value", ``policy.value_weighted_levels``).  Data sets: UCI Online Retail, the 2,000 busiest
products and the slow tail (the next 2,000), and a synthetic panel (``bench/_data``).
Charts: bench/results/frontier_<set>.png.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from math import nan
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._data import load_retail_panel, synthetic_panel, write_section  # noqa: E402
from bench.engine_accuracy import snapshot_for  # noqa: E402
from planning.engine import PlanParams  # noqa: E402
from planning.engine.frontier import at_equal_stock, frontier_chart, sweep_policies  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FILL_TARGETS = (0.8, 0.9, 0.95, 0.98)


def report(name: str, snap, days: int) -> list[str]:
    t = time.perf_counter()
    points = sweep_policies(snap, days, allocations=("target", "value"))
    took = time.perf_counter() - t
    frontier_chart(points, str(RESULTS / f"frontier_{name}.png"), f"{name}: last {days} days")
    lines = [
        f"**{name}** ({snap.n_skus} products, {took:.0f} s)",
        "",
        "| policy | setting | fill rate | avg inventory value | lost units | stock-out days |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        lines.append(
            f"| {p.policy} | {p.setting:g} | {p.fill_rate:.1%} | {p.avg_inventory_value:,.0f} | "
            f"{p.lost_units:,.0f} | {p.stockout_days:,.0f} |"
        )
    for policy in ("zapas", "zapas_value"):
        lines += [
            "",
            f"{policy} against min/max at equal stock:",
            "",
            "| min/max × | its value | its fill | its cancels | Zapas fill at that value | "
            "Zapas cancels there | ÷ min/max's | Zapas value at its fill |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in at_equal_stock(points, policy):
            share = r["zapas_cancelled"] / r["min_max_cancelled"] if r["min_max_cancelled"] else nan
            lines.append(
                f"| {r['multiplier']:g} | {r['min_max_value']:,.0f} | "
                f"{r['min_max_fill_rate']:.1%} | {r['min_max_cancelled']:,.0f} | "
                f"{r['zapas_fill_rate']:.1%} | {r['zapas_cancelled']:,.0f} | {share:.0%} | "
                f"{r['zapas_value']:,.0f} |"
            )
    return lines + [""]


def fill_rate_targets(name: str, snap, days: int) -> list[str]:
    """Zapas under the fill-rate target (``PlanParams(service_target="fill_rate")``): the fill
    rate each target achieved in the replay, and how far from the target."""
    t = time.perf_counter()
    points = sweep_policies(
        snap, days, PlanParams(service_target="fill_rate"), targets=FILL_TARGETS, multipliers=()
    )
    lines = [
        f"**{name}, fill-rate target** ({snap.n_skus} products, {time.perf_counter() - t:.0f} s)",
        "",
        "| fill-rate target | achieved | points off | avg inventory value | cancellations |",
        "|---:|---:|---:|---:|---:|",
    ]
    for p in points:
        lines.append(
            f"| {p.setting:g} | {p.fill_rate:.1%} | {100 * (p.fill_rate - p.setting):+.1f} | "
            f"{p.avg_inventory_value:,.0f} | {p.cancelled_orders:,.0f} |"
        )
    return lines + [""]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=91)
    ap.add_argument("--write", action="store_true")
    ap.add_argument(
        "--fill-rate",
        action="store_true",
        help="only the fill-rate targets on the busiest products (their own section)",
    )
    args = ap.parse_args()
    demand, _codes, start, price = load_retail_panel(4000)
    end_wd = (start + dt.timedelta(days=demand.shape[1] - 1)).weekday()
    if args.fill_rate:
        snap = snapshot_for(demand[:2000], end_wd, price[:2000])
        table = "\n".join(fill_rate_targets("retail_busy", snap, args.days))
        print(table)
        if args.write:
            write_section(
                RESULTS / "backtest.md", "Fill-rate targets (bench/frontier.py --fill-rate)", table
            )
        return
    lines = []
    for name, sl in (("retail_busy", slice(0, 2000)), ("retail_slow", slice(2000, 4000))):
        lines += report(name, snapshot_for(demand[sl], end_wd, price[sl]), args.days)
    syn = synthetic_panel(2000, 730, seed=1).astype(np.float64)
    lines += report("synthetic", snapshot_for(syn, 6, np.full(2000, 100.0)), args.days)
    table = "\n".join(lines)
    print(table)
    if args.write:
        write_section(RESULTS / "backtest.md", "Efficient frontier (bench/frontier.py)", table)


if __name__ == "__main__":
    main()
