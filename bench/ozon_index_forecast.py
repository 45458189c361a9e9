"""Speed of the error-index forecast (``marketplaces.ozon.rating.forecast``); not a timed test.

    .venv/bin/python bench/ozon_index_forecast.py [--orders 10000] [--skus 20000] [--repeat 5]

A synthetic seller: 14 days of history at ``orders`` postings a day with 3 % errors, ``orders``
open postings due today … in three days in every state, and ``skus`` SKUs with Poisson demand
whose new orders may meet no stock. Times ``forecast_index`` (3-day horizon, best of
``--repeat``, after a warm-up) against a floor measured in the same run: one pass that only
reads every history posting's counted day and turns the open orders into arrays (the least
any forecast must do). Run with and without the SKUs' new orders (without them, the orders to
act on are chosen: the greedy choice is the costly part). Goal: ≤ 1 s for
10,000 open orders. Writes ``bench/results/ozon.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._data import write_section  # noqa: E402
from marketplaces.ozon.rating.forecast import (  # noqa: E402
    NewOrders,
    OpenOrders,
    OrderState,
    forecast_index,
)
from marketplaces.ozon.rating.index import ErrorType, PostingRecord  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "ozon.md"
TODAY = date(2026, 12, 10)


def build(orders: int, skus: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    history = []
    for n in range(14 * orders):
        due = TODAY - timedelta(days=1 + n % 14)
        error = rng.random() < 0.03
        history.append(
            PostingRecord(
                f"H-{n}", due, ErrorType.SELLER_DELAY if error else None, due if error else None
            )
        )
    states = [s.value for s in OrderState]
    open_orders = OpenOrders(
        numbers=[f"O-{n}" for n in range(orders)],
        due_days=[TODAY + timedelta(days=int(d)) for d in rng.integers(0, 4, orders)],
        states=[states[i] for i in rng.integers(0, len(states), orders)],
        prices=rng.uniform(100, 5000, orders).round(2).tolist(),
    )
    new = NewOrders(
        orders_per_day=rng.gamma(0.5, 2.0, skus).tolist(),
        available_orders=rng.integers(0, 20, skus).astype(float).tolist(),
        prices=rng.uniform(100, 5000, skus).tolist(),
        prep_days=rng.integers(0, 3, skus).tolist(),
    )
    return history, open_orders, new


def floor(history: list[PostingRecord], open_orders: OpenOrders) -> None:
    """Read every input once: the least any forecast of these postings must do."""
    sum(1 for r in history if r.counted_day >= TODAY)
    np.fromiter(((d - TODAY).days for d in open_orders.due_days), int, len(open_orders))
    np.asarray(open_orders.prices, float)
    np.fromiter((len(s) for s in open_orders.states), int, len(open_orders))


def best(fn, repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    history, open_orders, new = build(args.orders, args.skus)

    base = best(lambda: floor(history, open_orders), args.repeat)
    load = os.getloadavg()[0]
    lines = [
        "| case | open orders | history postings | SKUs | forecast s | floor s | × floor | "
        "needed actions | reachable | load |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    walls = []
    for label, new_orders in (("with new orders", new), ("open orders only", None)):

        def run(new_orders=new_orders):
            return forecast_index(
                history=history, open_orders=open_orders, today=TODAY, new_orders=new_orders
            )

        result = run()
        wall = best(run, args.repeat)
        walls.append(wall)
        lines.append(
            f"| {label} | {args.orders:,} | {len(history):,} | "
            f"{args.skus if new_orders else 0:,} | {wall:.3f} | {base:.3f} | {wall / base:.1f} | "
            f"{len(result.needed):,} | {result.reachable} | {load:.1f} |"
        )
    worst = max(walls)
    lines += [
        "",
        f"Forecast of the index and charges over 3 days for {args.orders:,} open orders: "
        f"**{worst:.3f} s** at worst (goal ≤ 1 s: {'met' if worst <= 1 else 'NOT met'}).",
    ]
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        if not RESULTS.exists():
            RESULTS.write_text("# Ozon benchmarks\n")
        write_section(RESULTS, "Error-index forecast (bench/ozon_index_forecast.py)", table)


if __name__ == "__main__":
    main()
