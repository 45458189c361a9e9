"""Benchmark: the engine side of learning from operations at catalogue scale, against the plan.

    .venv/bin/python bench/operations_engine.py [--skus 100000] [--peer-skus 20000]

Synthetic, in memory (no database): ``--skus`` SKUs × two years of purchase orders (one every
supplier cycle of 7–28 days, a third received in two parts) learned per supplier and per supplier
item with the scorecard; prep-time recommendations over 90 days of orders (20 per SKU-week spread
over 3 warehouses); the cycle-count plan over every SKU × warehouse. Peer in the same run:
``plan_catalogue`` on ``--peer-skus`` SKUs × 730 days, scaled linearly to ``--skus`` (the engine is
linear in SKUs). Prints seconds per part and their ratio to the scaled plan.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--peer-skus", type=int, default=20_000)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    from planning.engine import plan_catalogue
    from planning.engine.cyclecount import cycle_count_plan
    from planning.engine.leadtime import learn_lead_times, supplier_scorecard
    from planning.engine.prep import calendar_index, recommend_prep_days, required_prep_days
    from planning.tests.engine._factory import snapshot

    rng = np.random.default_rng(0)
    n = args.skus
    n_sup = 200
    sku_sup = rng.integers(0, n_sup, n)
    cycle = rng.choice([7, 14, 28], n)
    per_sku = 730 // cycle
    sku_of = np.repeat(np.arange(n), per_sku)
    days = rng.gamma(4.0, 3.0, sku_of.size).round().astype(np.int64)
    units = rng.integers(10, 200, sku_of.size).astype(np.float64)
    split = rng.random(sku_of.size) < 1 / 3
    group = np.concatenate([sku_of, sku_of[split]])
    all_days = np.concatenate([days, days[split] + 5])
    all_units = np.concatenate([units, units[split] / 2])
    late = all_days - 10
    age = rng.integers(0, 730, group.size)
    receipts = group.size
    sup_group = sku_sup[group]
    sup_line = sku_sup[sku_of]
    n_orders = 20 * n // 7 * 13 // 10  # ~90 days
    working = np.tile(np.array([True] * 5 + [False] * 2), 20)[None, :].repeat(3, axis=0)
    wh = rng.integers(0, 3, n_orders)
    a_day = rng.integers(0, 90, n_orders)
    h_day = a_day + rng.integers(0, 4, n_orders)
    a_sec = rng.uniform(0, 86400, n_orders)
    h_sec = rng.uniform(0, 86400, n_orders)
    line_sku = rng.integers(0, n, n_orders)
    prep_hours = rng.uniform(0, 40, n_orders)
    cells = 2 * n
    cc_value = rng.gamma(1.0, 100.0, cells)
    cc_since = np.where(rng.random(cells) < 0.2, np.nan, rng.uniform(0, 200, cells))
    cc_counts = rng.integers(0, 5, cells)
    cc_var = rng.integers(0, 2, cells)
    peer_snap = snapshot(n=args.peer_skus, n_days=730, seed=1, fbo=False)
    plan_catalogue(snapshot(n=256, n_days=730, seed=2, fbo=False))  # warm-up
    timings: dict[str, tuple[float, float]] = {}  # part -> (wall s, CPU s)

    t, c = time.perf_counter(), time.process_time()
    learn_lead_times(
        group=sup_group, days=all_days, units=all_units, n_groups=n_sup,
        prior_mean=np.full(n_sup, 10.0), prior_sd=np.full(n_sup, 2.0),
    )  # fmt: skip
    supplier_scorecard(
        receipt_group=sup_group, receipt_units=all_units, receipt_days_late=late,
        receipt_age_days=age, line_group=sup_line, line_ordered=units,
        line_received=units, n_groups=n_sup,
    )  # fmt: skip
    learn_lead_times(
        group=group, days=all_days, units=all_units, n_groups=n,
        prior_mean=np.full(n, 10.0), prior_sd=np.full(n, 2.0),
    )  # fmt: skip
    supplier_scorecard(
        receipt_group=group, receipt_units=all_units, receipt_days_late=late,
        receipt_age_days=age, line_group=sku_of, line_ordered=units, line_received=units,
        n_groups=n,
    )  # fmt: skip
    timings["lead times + scorecards"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    cal = calendar_index(working)
    req = required_prep_days(
        calendar=cal, warehouse=wh, accepted_day=a_day, accepted_seconds=a_sec,
        handed_day=h_day, handed_seconds=h_sec, cutoff_seconds=np.full(3, 50400.0),
    )  # fmt: skip
    recommend_prep_days(
        group=wh * n + line_sku, required_days=req, current_days=np.ones(n_orders, np.int64),
        hours=prep_hours, n_groups=3 * n,
    )  # fmt: skip
    timings[f"prep time ({n_orders:,} orders)"] = time.perf_counter() - t, time.process_time() - c

    t, c = time.perf_counter(), time.process_time()
    cycle_count_plan(
        warehouse=np.repeat([0, 1], n), daily_value=cc_value, days_since_count=cc_since,
        counts=cc_counts, counts_with_variance=cc_var, budget=20,
    )  # fmt: skip
    timings[f"cycle-count plan ({cells:,} cells)"] = (
        time.perf_counter() - t,
        time.process_time() - c,
    )

    t, c = time.perf_counter(), time.process_time()
    plan_catalogue(peer_snap)
    scale = n / args.peer_skus
    peer = (time.perf_counter() - t) * scale, (time.process_time() - c) * scale
    total = tuple(sum(v[i] for v in timings.values()) for i in (0, 1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load = os.getloadavg()[0]
    lines = [
        f"Operations engine, {n:,} SKUs, {receipts:,} receipts over two years; "
        f"peer plan_catalogue {args.peer_skus:,} SKUs × 730 days scaled ×{scale:g} "
        f"(after a warm-up), same run; 1-min load average {load:.1f} on {os.cpu_count()} cores"
        + (
            ": the machine was shared, so read the CPU columns (the plan's CPU s adds up its "
            "threads)"
            if load > 1.5
            else ""
        ),
        "",
        "| part | wall s | ÷ plan, wall | CPU s | ÷ plan, CPU |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {k} | {w:.2f} | {w / peer[0]:.1%} | {c:.2f} | {c / peer[1]:.1%} |"
        for k, (w, c) in timings.items()
    ]
    lines += [
        f"| **all** | **{total[0]:.2f}** | **{total[0] / peer[0]:.1%}** | **{total[1]:.2f}** "
        f"| **{total[1] / peer[1]:.1%}** |",
        f"| plan engine (scaled) | {peer[0]:.2f} | 100 % | {peer[1]:.2f} | 100 % |",
        "",
        f"peak RSS {peak:,.0f} MB",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
