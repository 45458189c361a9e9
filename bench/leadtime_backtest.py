"""Backtest: stated against learned lead times, 90 days of the demo, stock-out cancellations.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python bench/leadtime_backtest.py \\
        [--days 90] [--seed 7] [--markdown FILE]

The demo's suppliers state a lead time; what they really do is drawn per supplier (mean 0.9–1.6 ×
the stated one, spread 1–2.5 × the stated one, fixed by ``--seed``): importers run late and
vary more than they say. Two years of purchase orders are replayed against that truth — an
order every supplier cycle per SKU, some arriving in two partial receipts — and learned with
``planning.engine.leadtime.learn_lead_times`` exactly as the nightly run does. Then the last
``--days`` are replayed twice with the same demand and the same deliveries drawn from the truth:
planning with the stated lead times, and planning with the learned ones
(``planning.engine.backtest_leadtime``). Printed: fill rate, stock-out days, lost units and
cancelled orders (lost units ÷ units per order) for each, and the ratio.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.utils import timezone

    from planning.engine.backtest_leadtime import compare_lead_time_beliefs
    from planning.engine.leadtime import learn_lead_times
    from planning.params import plan_params
    from planning.snapshot import catalogue_sku_ids, history_start, plan_input_build

    settings.ZAPAS = {**settings.ZAPAS, "PLAN_LEARNED_LEAD_TIMES": False}  # the stated figures
    today = timezone.localdate()
    ids = catalogue_sku_ids()
    t0 = time.perf_counter()
    plan_input = plan_input_build(
        sku_ids=ids, plan_date=today, start=history_start(plan_date=today)
    )
    snap = plan_input.snapshot
    stated_mean, stated_sd = snap.lead_time_mean_days, snap.lead_time_sd_days

    # the truth, per supplier
    rng = np.random.default_rng(args.seed)
    suppliers, sup_of = np.unique(plan_input.supplier_id, return_inverse=True)
    factor = rng.uniform(0.9, 1.6, suppliers.size)
    spread = rng.uniform(1.0, 2.5, suppliers.size)
    true_mean = stated_mean * factor[sup_of]
    true_sd = np.maximum(stated_sd * spread[sup_of], 0.5)

    # two years of receipts per SKU against the truth; a third arrive in two parts
    review = np.maximum(snap.review_days, 1)
    per_sku = np.floor(730 / review).astype(np.int64)
    sku_of = np.repeat(np.arange(ids.size), per_sku)
    days = np.maximum(rng.normal(true_mean[sku_of], true_sd[sku_of]), 0).round()
    units = rng.integers(10, 200, sku_of.size).astype(np.float64)
    split = rng.random(sku_of.size) < 1 / 3
    late = days[split] + rng.integers(2, 10, split.sum())
    part = np.floor(units[split] * rng.uniform(0.3, 0.8, split.sum()))
    group = np.concatenate([sku_of, sku_of[split]])
    all_days = np.concatenate([days, late])
    first_part = units.copy()
    first_part[split] -= part
    all_units = np.concatenate([first_part, part])
    est = learn_lead_times(
        group=group,
        days=all_days,
        units=all_units,
        n_groups=ids.size,
        prior_mean=stated_mean,
        prior_sd=stated_sd,
        prior_strength=float(settings.ZAPAS.get("LEAD_TIME_PRIOR_RECEIPTS", 5)),
    )
    results = compare_lead_time_beliefs(
        snap,
        args.days,
        {"stated": (stated_mean, stated_sd), "learned": (est.mean, est.sd)},
        true_mean,
        true_sd,
        params=plan_params(),
        seed=args.seed,
    )
    elapsed = time.perf_counter() - t0
    per_order = snap.mean_units_per_order
    rows = []
    for name, r in results.items():
        rows.append(
            (
                name,
                1 - r.lost_units.sum() / max(r.demand_units.sum(), 1),
                float(r.stockout_days.sum()),
                float(r.lost_units.sum()),
                float((r.lost_units / per_order).sum()),
                float(r.avg_inventory_value.sum()),
            )
        )
    err_stated = np.abs(stated_mean - true_mean).mean()
    err_learned = np.abs(est.mean - true_mean).mean()
    lines = [
        f"Lead-time backtest: {ids.size} SKUs, {suppliers.size} suppliers, {args.days} days to "
        f"{today}, {group.size} receipts learned, seed {args.seed}, {elapsed:.1f} s",
        f"mean |lead time − truth|: stated {err_stated:.2f} d, learned {err_learned:.2f} d",
        "",
        "| lead times planned with | fill rate | stock-out days | lost units | cancelled orders "
        "| avg inventory value |",
        "|---|---|---|---|---|---|",
    ]
    for name, fill, so_days, lost, cancelled, value in rows:
        lines.append(
            f"| {name} | {fill:.2%} | {so_days:,.0f} | {lost:,.0f} | {cancelled:,.0f} "
            f"| {value:,.0f} |"
        )
    stated_c, learned_c = rows[0][4], rows[1][4]
    lines.append("")
    lines.append(
        f"cancelled orders learned ÷ stated = {learned_c / max(stated_c, 1e-9):.2f}; "
        f"inventory value learned ÷ stated = {rows[1][5] / max(rows[0][5], 1e-9):.2f}"
    )
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n")


if __name__ == "__main__":
    main()
