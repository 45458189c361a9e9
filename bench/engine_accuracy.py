"""Forecast accuracy on real data (UCI Online Retail), busy and slow side by side, and a policy
backtest (not a test).

    .venv/bin/python bench/engine_accuracy.py [--busy 2000] [--origins 2] [--holdout 28]
        [--autoets-sample 500] [--jobs 2] [--cache DIR] [--weekly] [--no-write]

Data: the daily demand (units per calendar day, sales lines only, non-product codes dropped;
see ``bench/_data.load_retail_panel``) of every product in ``../shared/data/online_retail/``.
**Busy** = the ``--busy`` products with the most sales lines, **slow** = all the others.  At
each of ``--origins`` forecast origins, 28 days apart and the last one ``--holdout`` days
before the end of the data, every method sees only the days before the origin and forecasts
the next ``--holdout`` days.  A series without any sale or without any day-to-day change
before the origin is left out of that origin (its MASE/RMSSE scale is 0).

Compared:
* Zapas forecast: ``forecast_catalogue`` (classes, candidates, selection) on the history
  before the origin (shop calendar detected over the whole catalogue, passed to both sets);
  day k's forecast = forecast_mean × weekly_profile[weekday of day k];
* Zapas planning mean: ``plan_catalogue``'s forecast_mean, the mean of the lead-time-demand
  distribution over P ÷ P (the forecast after the pooled rolling-origin bias correction of
  ``ltd``), which the policy uses.  Lead time 21 + review 7 days, so P is the 28-day holdout
  and the stated quantiles (``promise_quantiles``) are quantiles of the holdout total (the
  pinball and coverage of both Zapas rows are those of these quantiles);
* statsforecast CrostonClassic, CrostonSBA, TSB(0.1, 0.1), SimpleExponentialSmoothing(0.1)
  and SeasonalNaive(7) on every series, AutoETS(season_length=7) on a random sample of
  ``--autoets-sample`` series per set and origin (it takes about 0.2 s a series); the AutoETS
  row compares Zapas on the same sample.

Metrics per series, then the mean over series and origins: MASE = MAE / in-sample MAE of the
one-step naive; RMSSE = √(MSE / in-sample MSE of the one-step naive); total bias = Σ forecast
÷ Σ actual − 1.  Pinball loss of the 28-day total at the levels of ``PROMISE_LEVELS``, scaled
by 28 × the MASE scale and averaged over levels: Zapas with its stated quantiles, every other
method with its mean total standing for every quantile (what a point forecast gives a
planner); "coverage" = share of series whose actual total ≤ the stated 95 % quantile.

``--weekly`` adds the same comparison on weekly totals (a seller with weekly exports): weeks
end on the day before each origin, 4 weeks ahead, the engine run with one week per history
column (``WEEKLY_PARAMS``: horizon and holdout in weeks, faster smoothing grids, no weekly
profile or Holt-Winters candidates), statsforecast with season_length 1 (its seasonal naive is
then the naive).

Backtest: the last ``--backtest-days`` days are replayed (lost sales) with Zapas's policy,
re-planned every 7 days, and with a naive fixed min/max (min = 90-day average × (L + R),
max = 2 × min); busy products, lead time 7 ± 2 days, weekly review, 95 % cycle service.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
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
    PROMISE_LEVELS,
    CatalogueSnapshot,
    PlanParams,
    compare_policies,
    forecast_catalogue,
    plan_catalogue,
)
from planning.engine.calendar import calendar_of  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "engine.md"
ZAPAS = "**Zapas forecast (automatic selection)**"
ZAPAS_PLAN = "Zapas planning mean (bias-corrected over P)"
SF_NAMES = {
    "CrostonClassic": "statsforecast CrostonClassic",
    "CrostonSBA": "statsforecast CrostonSBA",
    "TSB": "statsforecast TSB(0.1, 0.1)",
    "SES": "statsforecast SES(0.1)",
    "SeasonalNaive": "seasonal naive (7 days)",
    "AutoETS": "statsforecast AutoETS(season_length=7)",
}


def snapshot_for(
    demand: np.ndarray,
    end_weekday: int,
    price: np.ndarray,
    lead_time: float = 7.0,
    lead_time_sd: float = 2.0,
    calendar=None,
    review: float = 7.0,
) -> CatalogueSnapshot:
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
        lead_time_mean_days=lead_time * one,
        lead_time_sd_days=lead_time_sd * one,
        review_days=review * one,
        service_level=0.95 * one,
        moq=0 * one,
        pack_size=one,
        available=0 * one,
        on_order=0 * one,
        in_transit=0 * one,
        mean_units_per_order=one,
        current_scheme=np.zeros(n, np.int8),
        history_end_weekday=end_weekday,
        calendar=calendar,
    )


def per_series(forecast: np.ndarray, actual: np.ndarray, train: np.ndarray) -> dict:
    """Per-series MASE, RMSSE and the MASE scale, plus the sums for the total bias."""
    d = np.diff(train, axis=1)
    mae_s = np.abs(d).mean(axis=1)
    mse_s = (d * d).mean(axis=1)
    e = forecast - actual
    return {
        "MASE": np.abs(e).mean(axis=1) / mae_s,
        "RMSSE": np.sqrt((e * e).mean(axis=1) / mse_s),
        "scale": mae_s,
        "f_sum": forecast.sum(axis=1),
        "a_sum": actual.sum(axis=1),
    }


def pinball(quantiles: np.ndarray, actual_total: np.ndarray, levels) -> np.ndarray:
    """Mean over levels of the pinball loss of (n, L) quantiles of the total, per series."""
    q = np.asarray(quantiles, np.float64)
    a = np.asarray(actual_total, np.float64)[:, None]
    tau = np.asarray(levels)[None, :]
    diff = a - q
    return np.maximum(tau * diff, (tau - 1) * diff).mean(axis=1)


def statsforecast_forecasts(
    train: np.ndarray, h: int, jobs: int, autoets: bool, season: int = 7
) -> dict:
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

    if autoets:
        models = [AutoETS(season_length=season)]
    else:
        models = [
            CrostonClassic(),
            CrostonSBA(),
            TSB(alpha_d=0.1, alpha_p=0.1),
            SimpleExponentialSmoothing(alpha=0.1),
            SeasonalNaive(season_length=season),
        ]
    n, t = train.shape
    if n == 0:
        return {}
    df = pd.DataFrame(
        {
            "unique_id": np.repeat(np.arange(n), t),
            "ds": np.tile(np.arange(t), n),
            "y": train.ravel(),
        }
    )
    fc = StatsForecast(models=models, freq=1, n_jobs=jobs).forecast(df=df, h=h)
    fc = fc.sort_values(["unique_id", "ds"])
    return {c: fc[c].to_numpy().reshape(n, h) for c in SF_NAMES if c in fc.columns}


def _digest(rows: np.ndarray) -> str:
    """Short digest of a sample's row numbers (its cache key)."""
    return hashlib.sha1(np.asarray(rows, np.int64).tobytes()).hexdigest()[:10]


def cached(path: Path | None, key: str, compute):
    """``compute()`` (a dict of arrays), stored under ``path/key.npz`` when a cache is given
    (the key names the series set, the origin and the horizon: the panel is the fixed file)."""
    if path is None:
        return compute()
    f = path / f"{key}.npz"
    if f.exists():
        with np.load(f) as z:
            return {k: z[k] for k in z.files}
    out = compute()
    path.mkdir(parents=True, exist_ok=True)
    np.savez(f, **out)
    return out


#: Engine parameters for a weekly history: every "day" of PlanParams is one week.
WEEKLY_PARAMS = dict(
    horizon_days=4,
    holdout_days=8,
    origin_step_days=1,
    min_history_days=4,
    keep_leading_days=4,
    detect_closed_days=False,
    # a week is 7 days of news: faster smoothing than the daily defaults, chosen in-sample
    ses_alphas=(0.1, 0.2),
    tsb_params=((0.1, 0.1), (0.2, 0.2)),
)


def weekly_run(demand, start, price, sets, args, rng) -> list[str]:
    """The same comparison on weekly totals (a seller with weekly exports): weeks end on the
    day before each origin, 4 weeks ahead; no weekly season inside a week (statsforecast
    season_length 1, so its seasonal naive is the naive; Zapas without its weekly-profile
    and Holt-Winters candidates), lead time 3 + review 1 weeks so P = the 4-week holdout."""
    from planning.engine.schema import SEASONAL_METHODS, _default_allowed

    allowed = tuple(
        tuple(ok and m not in SEASONAL_METHODS for m, ok in enumerate(row))
        for row in _default_allowed()
    )
    params = PlanParams(allowed=allowed, **WEEKLY_PARAMS)
    h = 4
    levels = np.asarray(PROMISE_LEVELS)
    rows: dict = {}
    ets_rows: dict = {}
    counts = {s: [] for s in sets}
    origins = []
    for k in range(args.origins):
        cut = demand.shape[1] - args.holdout - 28 * k
        n_weeks = cut // 7
        first = cut - 7 * n_weeks
        weeks = demand[:, first : cut + 7 * h].reshape(len(demand), n_weeks + h, 7).sum(axis=2)
        origin = start + dt.timedelta(days=cut)
        origins.append(origin)
        for name, idx in sets.items():
            train, test = weeks[idx, :n_weeks], weeks[idx, n_weeks:]
            keep = np.diff(train, axis=1).any(axis=1) & (train.sum(axis=1) > 0)
            train, test, pr = train[keep], test[keep], price[idx][keep]
            n = len(train)
            counts[name].append(n)
            snap = snapshot_for(train, 6, pr, 3.0, 0.0, None, review=1.0)
            own = forecast_catalogue(snap, params)
            plan = plan_catalogue(snap, params)
            fz = np.repeat(own["forecast_mean"][:, None].astype(np.float64), h, axis=1)
            key = f"week-{name}-{origin.isoformat()}-{h}"
            sf = cached(
                args.cache,
                key,
                lambda tr=train: statsforecast_forecasts(tr, h, args.jobs, False, 1),
            )
            sample = np.sort(rng.choice(n, min(n, args.autoets_sample), replace=False))
            ets = cached(
                args.cache,
                f"{key}-autoets-{_digest(sample)}",
                lambda tr=train[sample]: statsforecast_forecasts(tr, h, args.jobs, True, 1),
            )
            actual_total = test.sum(axis=1)
            zs = per_series(fz, test, train)
            zs["pinball"] = pinball(plan.promise_quantiles, actual_total, levels) / (
                h * zs["scale"]
            )
            got = {ZAPAS: zs}
            for col, f in sf.items():
                got[SF_NAMES[col].replace("seasonal naive (7 days)", "naive")] = per_series(
                    f, test, train
                )
            for label, r in got.items():
                _add_scores(rows, (name, label), r, actual_total, levels, h)
            ets_label = "statsforecast AutoETS"
            for label, r in (
                (ZAPAS, {m: v[sample] for m, v in zs.items()}),
                (ets_label, per_series(ets["AutoETS"], test[sample], train[sample])),
            ):
                _add_scores(ets_rows, (name, label), r, actual_total[sample], levels, h)
            print(f"weekly origin {origin} {name}: {n} series", file=sys.stderr)
    table = {key: _summary(acc) for key, acc in rows.items()}
    ets_table = {key: _summary(acc) for key, acc in ets_rows.items()}
    labels = [ZAPAS] + [lab for (s, lab) in rows if s == "busy" and lab != ZAPAS]
    lines = [
        "",
        f"Weekly history (the same products, weekly totals, weeks ending the day before each "
        f"origin ({', '.join(o.isoformat() for o in origins)}), 4 weeks ahead; "
        f"{' + '.join(map(str, counts['busy']))} busy and "
        f"{' + '.join(map(str, counts['slow']))} slow series; no season inside a week: "
        "statsforecast season_length 1, Zapas without its weekly-profile and Holt-Winters "
        "candidates; lead time 3 + review 1 weeks, so P is the 4-week holdout):",
        "",
        "| method | busy MASE | busy RMSSE | busy pinball | busy total bias "
        "| slow MASE | slow RMSSE | slow pinball | slow total bias |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [_row(lab, table, sets) for lab in labels]
    n_ets = [len(np.concatenate(ets_rows[(s, ZAPAS)]["MASE"])) for s in sets]
    lines.append(f"| *AutoETS sample ({n_ets[0]} busy, {n_ets[1]} slow series):* | | | | | | | | |")
    lines.append(_row(ZAPAS, ets_table, sets).replace(ZAPAS, "Zapas, same sample"))
    lines.append(_row("statsforecast AutoETS", ets_table, sets))
    verdict = []
    for s in sets:
        z, ze = table[(s, ZAPAS)], ets_table[(s, ZAPAS)]
        others = [table[(s, lab)] for lab in labels[1:]]
        ae = ets_table[(s, "statsforecast AutoETS")]
        for m in ("MASE", "RMSSE"):
            ok = all(z[m] < r[m] for r in others) and ze[m] < ae[m]
            verdict.append(f"{s} {m}: **{'yes' if ok else 'no'}**")
    lines += ["", "Weekly: Zapas below every single method: " + ", ".join(verdict) + "."]
    return lines


def _add_scores(table: dict, key: tuple, r: dict, actual_total, levels, h: int) -> None:
    """Append one method's per-series scores under ``key``; a point forecast without stated
    quantiles is scored by pinball loss as its own total at every level."""
    if "pinball" not in r:
        tot = r["f_sum"][:, None] * np.ones(len(levels))
        r["pinball"] = pinball(tot, actual_total, levels) / (h * r["scale"])
    acc = table.setdefault(key, {})
    for m, v in r.items():
        acc.setdefault(m, []).append(v)


def _summary(acc: dict) -> dict[str, float]:
    cat = {m: np.concatenate(v) for m, v in acc.items()}
    out = {m: float(np.mean(cat[m])) for m in ("MASE", "RMSSE", "pinball")}
    out["total_bias"] = float(cat["f_sum"].sum() / cat["a_sum"].sum() - 1)
    out["covered"] = float(np.mean(cat["covered"])) if "covered" in cat else float("nan")
    return out


def _row(label: str, src: dict, sets: dict) -> str:
    cells = []
    for s in sets:
        r = src[(s, label)]
        cells += [
            f"{r['MASE']:.3f}",
            f"{r['RMSSE']:.4f}",
            f"{r['pinball']:.3f}",
            f"{r['total_bias']:+.1%}",
        ]
    return f"| {label} | " + " | ".join(cells) + " |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--busy", type=int, default=2000)
    ap.add_argument("--origins", type=int, default=2)
    ap.add_argument("--holdout", type=int, default=28)
    ap.add_argument("--autoets-sample", type=int, default=500)
    ap.add_argument("--backtest-days", type=int, default=91)
    ap.add_argument("--jobs", type=int, default=2, help="statsforecast n_jobs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache", type=Path, default=None, help="keep statsforecast results here")
    ap.add_argument("--weekly", action="store_true", help="add the weekly-history run")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    demand, _codes, start, price = load_retail_panel(10**9)
    h = args.holdout
    print(f"{demand.shape[0]} products loaded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    rng = np.random.default_rng(args.seed)
    sets = {"busy": np.arange(min(args.busy, len(demand)))}
    sets["slow"] = np.arange(len(sets["busy"]), len(demand))
    levels = np.asarray(PROMISE_LEVELS)
    rows: dict[tuple[str, str], dict[str, list]] = {}
    ets_rows: dict[tuple[str, str], dict[str, list]] = {}
    counts: dict[str, list[int]] = {s: [] for s in sets}
    chosen = {s: np.zeros(len(METHOD_NAMES), np.int64) for s in sets}
    origins = []
    zapas_s = sf_s = 0.0
    for k in range(args.origins):
        end = demand.shape[1] - 28 * k  # the holdout ends here
        cut = end - h
        last = start + dt.timedelta(days=cut - 1)
        origins.append(last + dt.timedelta(days=1))
        wd = np.array([(last + dt.timedelta(days=j + 1)).weekday() for j in range(h)])
        cal = calendar_of(demand[:, :cut], last.weekday())
        for name, idx in sets.items():
            train, test = demand[idx, :cut], demand[idx, cut:end]
            keep = np.diff(train, axis=1).any(axis=1) & (train.sum(axis=1) > 0)
            train, test, pr = train[keep], test[keep], price[idx][keep]
            n = len(train)
            counts[name].append(n)
            t1 = time.perf_counter()
            snap = snapshot_for(train, last.weekday(), pr, 21.0, 0.0, cal)
            own = forecast_catalogue(snap, PlanParams())
            plan = plan_catalogue(snap, PlanParams())
            zapas_s += time.perf_counter() - t1
            chosen[name] += np.bincount(plan.method, minlength=len(METHOD_NAMES))
            prof = own["weekly_profile"][:, wd].astype(np.float64)
            fz = own["forecast_mean"][:, None].astype(np.float64) * prof
            fp = plan.forecast_mean[:, None].astype(np.float64) * plan.weekly_profile[:, wd]
            key = f"{name}-{origins[-1].isoformat()}-{h}"
            t1 = time.perf_counter()
            sf = cached(
                args.cache, key, lambda tr=train: statsforecast_forecasts(tr, h, args.jobs, False)
            )
            sample = np.sort(rng.choice(n, min(n, args.autoets_sample), replace=False))
            ets = cached(
                args.cache,
                f"{key}-autoets-{_digest(sample)}",
                lambda tr=train[sample]: statsforecast_forecasts(tr, h, args.jobs, True),
            )
            sf_s += time.perf_counter() - t1
            actual_total = test.sum(axis=1)
            zs = per_series(fz, test, train)
            zs["pinball"] = pinball(plan.promise_quantiles, actual_total, levels) / (
                h * zs["scale"]
            )
            zs["covered"] = actual_total <= plan.promise_quantiles[:, list(levels).index(0.95)]
            zp = per_series(fp, test, train)
            zp["pinball"] = zs["pinball"]
            zp["covered"] = zs["covered"]
            forecasts = {ZAPAS: (zs, None), ZAPAS_PLAN: (zp, None)}
            for col, f in sf.items():
                forecasts[SF_NAMES[col]] = (per_series(f, test, train), None)
            for label, (r, _) in forecasts.items():
                _add_scores(rows, (name, label), r, actual_total, levels, h)
            for label, r in (
                (ZAPAS, {m: v[sample] for m, v in zs.items()}),
                (SF_NAMES["AutoETS"], per_series(ets["AutoETS"], test[sample], train[sample])),
            ):
                _add_scores(ets_rows, (name, label), r, actual_total[sample], levels, h)
            print(f"origin {origins[-1]} {name}: {n} series", file=sys.stderr)

    table = {key: _summary(acc) for key, acc in rows.items()}
    ets_table = {key: _summary(acc) for key, acc in ets_rows.items()}
    labels = [ZAPAS, ZAPAS_PLAN] + [SF_NAMES[c] for c in SF_NAMES if c != "AutoETS"]
    span = ", ".join(o.isoformat() for o in origins)
    lines = [
        f"UCI Online Retail, daily units, {len(origins)} forecast origins ({span}), each "
        f"forecasting the next {h} days from the days before.  Busy = the {len(sets['busy'])} "
        f"products with the most sales lines ({' + '.join(map(str, counts['busy']))} series "
        f"scored), slow = the other {len(sets['slow'])} "
        f"({' + '.join(map(str, counts['slow']))} with a sale and a non-constant history "
        "before the origin).  Mean over series and origins; lower is better.  Pinball: "
        f"{h}-day total at levels {', '.join(f'{x:g}' for x in levels)}, scaled by {h} × the "
        "MASE scale; Zapas states its quantiles, the others' mean total stands for every "
        "quantile.  Coverage: share with the actual total ≤ Zapas's stated 95 % quantile.",
        "",
        "| method | busy MASE | busy RMSSE | busy pinball | busy total bias "
        "| slow MASE | slow RMSSE | slow pinball | slow total bias |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    for label in labels:
        lines.append(_row(label, table, sets))
    n_ets = [len(np.concatenate(ets_rows[(s, ZAPAS)]["MASE"])) for s in sets]
    lines.append(f"| *AutoETS sample ({n_ets[0]} busy, {n_ets[1]} slow series):* | | | | | | | | |")
    lines.append(_row(ZAPAS, ets_table, sets).replace(ZAPAS, "Zapas, same sample"))
    lines.append(_row(SF_NAMES["AutoETS"], ets_table, sets))

    verdict = []
    for s in sets:
        z, ze = table[(s, ZAPAS)], ets_table[(s, ZAPAS)]
        others = [table[(s, lab)] for lab in labels[2:]]
        ae = ets_table[(s, SF_NAMES["AutoETS"])]
        for m in ("MASE", "RMSSE"):
            ok = all(z[m] < r[m] for r in others) and ze[m] < ae[m]
            verdict.append(f"{s} {m}: **{'yes' if ok else 'no'}**")
    cov = ", ".join(f"{s} {table[(s, ZAPAS)]['covered']:.1%}" for s in sets)
    picks = "; ".join(
        f"{s}: " + ", ".join(f"{METHOD_NAMES[i]} {c}" for i, c in enumerate(chosen[s]) if c)
        for s in sets
    )
    lines += [
        "",
        "Zapas below every single method (statsforecast's five and seasonal naive): "
        + ", ".join(verdict)
        + f".  Coverage of the stated 95 % quantile of the {h}-day total: {cov}.  "
        f"Methods chosen (over the origins): {picks}.  Zapas plans {zapas_s:.1f} s in all; "
        f"statsforecast (n_jobs={args.jobs}) {sf_s:.0f} s"
        + (" (read from the cache)" if args.cache else "")
        + f"; 1-min load {os.getloadavg()[0]:.1f}.",
    ]

    if args.weekly:
        lines += weekly_run(demand, start, price, sets, args, rng)

    # backtest of the policy on the real demand (busy products)
    bt_days = args.backtest_days
    busy = demand[sets["busy"]]
    keep = np.diff(busy, axis=1).any(axis=1)
    full = snapshot_for(
        busy[keep],
        (start + dt.timedelta(days=busy.shape[1] - 1)).weekday(),
        price[sets["busy"]][keep],
    )
    bt = compare_policies(full, bt_days, PlanParams())
    lines += [
        "",
        f"Policy backtest on the busy products, last {bt_days} days replayed (plan re-made "
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
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section(RESULTS, "Accuracy and backtest (bench/engine_accuracy.py)", text)


if __name__ == "__main__":
    main()
