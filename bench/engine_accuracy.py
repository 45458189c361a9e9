"""Forecast accuracy on real data (UCI Online Retail) and a policy backtest (not a test).

    .venv/bin/python bench/engine_accuracy.py [--products 2000] [--holdout 28]

Data: the daily demand (units per calendar day, sales lines only, non-product codes
dropped; see ``bench/_data.load_retail_panel``) of the busiest products in
``../shared/data/online_retail/``.  The last ``--holdout`` days are held out; every method
sees only the days before.  Series without any day-to-day change in the training part are
dropped (their scale is 0, so MASE/RMSSE are undefined).

Compared, in one table:
* Zapas's automatic selection: ``plan_catalogue`` on the training history; the forecast of
  day k is forecast_mean × weekly_profile[weekday of day k];
* statsforecast CrostonClassic, CrostonSBA, TSB(0.1, 0.1), SimpleExponentialSmoothing(0.1),
  AutoETS(season_length=7) and a SeasonalNaive(7) baseline, fitted in one call.

Metrics per series, then averaged: MASE = MAE / in-sample MAE of the one-step naive;
RMSSE = √(MSE / in-sample MSE of the one-step naive); bias = mean error / the same MAE
scale (positive = over-forecast).  "Total bias" is Σ forecast / Σ actual − 1.

Backtest: the last ``--backtest-days`` days are replayed (lost sales) with Zapas's policy,
re-planned every 7 days on the history up to that day as the nightly job would, and with a
naive fixed min/max (min = 90-day average × (L + R), max = 2 × min, recomputed on the same
days); lead time 7 ± 2 days, weekly review, 95 % cycle service, same demand and seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._data import load_retail_panel, write_section  # noqa: E402
from planning.engine import (  # noqa: E402
    METHOD_NAMES,
    CatalogueSnapshot,
    PlanParams,
    compare_policies,
    plan_catalogue,
)

RESULTS = ROOT / "bench" / "results" / "engine.md"


def snapshot_for(demand: np.ndarray, end_weekday: int, price: np.ndarray) -> CatalogueSnapshot:
    """A snapshot with plain attributes around a demand history (forecasting needs only it)."""
    n = demand.shape[0]
    one = np.ones(n)
    return CatalogueSnapshot(
        demand=demand.astype(np.float32),
        unit_cost=0.6 * price,
        sale_price=price,
        volume_l=one,
        weight_kg=0.5 * one,
        fbs_prep_days=one,
        lead_time_mean_days=7 * one,
        lead_time_sd_days=2 * one,
        review_days=7 * one,
        service_level=0.95 * one,
        moq=0 * one,
        pack_size=one,
        available=0 * one,
        on_order=0 * one,
        in_transit=0 * one,
        mean_units_per_order=one,
        current_scheme=np.zeros(n, np.int8),
        history_end_weekday=end_weekday,
    )


def scores(forecast: np.ndarray, actual: np.ndarray, train: np.ndarray) -> dict[str, float]:
    d = np.diff(train, axis=1)
    mae_s = np.abs(d).mean(axis=1)
    mse_s = (d * d).mean(axis=1)
    e = forecast - actual
    return {
        "MASE": float(np.mean(np.abs(e).mean(axis=1) / mae_s)),
        "RMSSE": float(np.mean(np.sqrt((e * e).mean(axis=1) / mse_s))),
        "bias": float(np.mean(e.mean(axis=1) / mae_s)),
        "total_bias": float(forecast.sum() / actual.sum() - 1),
    }


def statsforecast_forecasts(train: np.ndarray, h: int, jobs: int, autoets: bool):
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import (
        TSB,
        AutoETS,
        CrostonClassic,
        CrostonSBA,
        SeasonalNaive,
        SimpleExponentialSmoothing,
    )

    models = [
        CrostonClassic(),
        CrostonSBA(),
        TSB(alpha_d=0.1, alpha_p=0.1),
        SimpleExponentialSmoothing(alpha=0.1),
        SeasonalNaive(season_length=7),
    ]
    if autoets:
        models.append(AutoETS(season_length=7))
    n, t = train.shape
    df = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n), t),
            "ds": np.tile(np.arange(t), n),
            "y": train.ravel(),
        }
    )
    fc = StatsForecast(models=models, freq=1, n_jobs=jobs).forecast(df=df, h=h)
    fc = fc.sort_values(["unique_id", "ds"])
    names = {
        "CrostonClassic": "statsforecast CrostonClassic",
        "CrostonSBA": "statsforecast CrostonSBA",
        "TSB": "statsforecast TSB(0.1, 0.1)",
        "SES": "statsforecast SES(0.1)",
        "AutoETS": "statsforecast AutoETS(season_length=7)",
        "SeasonalNaive": "seasonal naive (7 days)",
    }
    return {names[c]: fc[c].to_numpy().reshape(n, h) for c in names if c in fc.columns}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--products", type=int, default=2000)
    ap.add_argument("--holdout", type=int, default=28)
    ap.add_argument("--backtest-days", type=int, default=91)
    ap.add_argument("--jobs", type=int, default=2, help="statsforecast n_jobs")
    ap.add_argument("--skip-autoets", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    demand, codes, start, price = load_retail_panel(args.products)
    h = args.holdout
    train, test = demand[:, :-h], demand[:, -h:]
    keep = np.diff(train, axis=1).any(axis=1)
    dropped = int((~keep).sum())
    demand, train, test, price = demand[keep], train[keep], test[keep], price[keep]
    n, t = train.shape
    print(
        f"{n} series × {t} training days loaded in {time.perf_counter() - t0:.1f} s "
        f"({dropped} constant series dropped)",
        file=sys.stderr,
    )

    last_train = start + dt.timedelta(days=t - 1)
    weekdays = np.array([(last_train + dt.timedelta(days=k + 1)).weekday() for k in range(h)])
    t0 = time.perf_counter()
    plan = plan_catalogue(snapshot_for(train, last_train.weekday(), price), PlanParams())
    zapas_s = time.perf_counter() - t0
    forecasts = {
        "**Zapas automatic selection**": plan.forecast_mean[:, None].astype(np.float64)
        * plan.weekly_profile[:, weekdays]
    }
    t0 = time.perf_counter()
    forecasts.update(statsforecast_forecasts(train, h, args.jobs, not args.skip_autoets))
    sf_s = time.perf_counter() - t0

    lines = [
        f"UCI Online Retail, {n} busiest products (of {args.products}; {dropped} constant "
        f"series dropped), daily units, {t} training days, last {h} days held out "
        f"(forecast origin {last_train.isoformat()}).  Mean over series; lower is better "
        "(bias: closer to 0).",
        "",
        "| method | MASE | RMSSE | bias (scaled) | total bias |",
        "|---|---:|---:|---:|---:|",
    ]
    results = {k: scores(f, test, train) for k, f in forecasts.items()}
    for k, r in results.items():
        lines.append(
            f"| {k} | {r['MASE']:.3f} | {r['RMSSE']:.4f} | {r['bias']:+.3f} | "
            f"{r['total_bias']:+.1%} |"
        )
    z = results["**Zapas automatic selection**"]
    singles = {k: r for k, r in results.items() if k.startswith("statsforecast")}
    beats = {m: all(z[m] < r[m] for r in singles.values()) for m in ("MASE", "RMSSE")}
    counts = np.bincount(plan.method, minlength=len(METHOD_NAMES))
    chosen = ", ".join(f"{METHOD_NAMES[i]} {c}" for i, c in enumerate(counts) if c)
    lines += [
        "",
        f"Zapas better than every single statsforecast method on MASE: **{beats['MASE']}**, "
        f"on RMSSE: **{beats['RMSSE']}**.  Methods chosen: {chosen}.  "
        f"Zapas plan {zapas_s:.1f} s; statsforecast (all models, n_jobs={args.jobs}) "
        f"{sf_s:.1f} s; 1-min load {os.getloadavg()[0]:.1f}.",
    ]

    # backtest of the policy on the real demand
    bt_days = args.backtest_days
    full = snapshot_for(demand, (start + dt.timedelta(days=demand.shape[1] - 1)).weekday(), price)
    bt = compare_policies(full, bt_days, PlanParams())
    lines += [
        "",
        f"Policy backtest on the same products, last {bt_days} days replayed (plan re-made "
        "weekly on the days before; lead time 7 ± 2 days, weekly review, 95 % cycle service "
        "target, lost sales):",
        "",
        "| policy | fill rate | cycle service level | stock-out days | lost units | "
        "avg inventory value |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, res in bt.items():
        s = res.summary()
        lines.append(
            f"| {name} | {s['fill_rate']:.1%} | {s['cycle_service_level']:.1%} | "
            f"{s['stockout_days']:,.0f} | {s['lost_units']:,.0f} | "
            f"{s['avg_inventory_value']:,.0f} |"
        )
    table = "\n".join(lines)
    print(table)
    if not args.no_write:
        write_section(RESULTS, "Accuracy and backtest (bench/engine_accuracy.py)", table)


if __name__ == "__main__":
    main()
