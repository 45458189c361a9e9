"""Are the stated quantiles honest?  Coverage and bias of the promise on real data (not a test).

    .venv/bin/python bench/calibration.py [--products 4000] [--write]

Data: daily demand of the UCI Online Retail products (``bench/_data.load_retail_panel``; the
shop never trades on Saturdays and closes over Christmas, the days stay in as zeros).  At each
cut-off the plan sees only the days before it; its promise for a protection period of P days
(lead time P, no review, σL = 0, so P is exact) is scored against the demand of the next P
days.  Product sets: the 2,000 busiest by sales lines before the cut-off, and the rest (the
slow tail); only products with a sale before the cut-off are scored.

Coverage = share of products whose actual P-day total ≤ the stated quantile (goal: the level
± 3 points).  Bias = Σ stated mean ÷ Σ actual − 1 (goal ± 5 %).  "model" is the former daily-
error model (normal / Poisson / negative binomial, σ·√P); "empirical" is the estimate from
rolling-origin P-day totals (``planning.engine.ltd``).

With ``--weekly N`` the summary is also given for the first N/2 cut-offs (where any parameter
was chosen) and the last N/2 (held out).  "Common shock removed" divides each cell's actuals
by the set's Σ actual ÷ Σ stated mean: the coverage the quantiles would have had had the
shop's total over the period been known, so the rest of the miss is the products' spread.
"PIT" splits the ties of whole units at random (randomised probability integral transform
of the actual total under the stated distribution): the calibration of the distribution
itself, which plain coverage overstates where a quantile sits on a whole number of units
(often 0 for slow movers).  "its s.e." is the standard error of the mean bias over the
cut-offs (neighbouring cut-offs' windows overlap).
``--audit`` replays the nightly audit over weekly cut-offs (every earlier cut-off's promises
whose period has closed within the audit's lookback are scored, ``planning.engine.audit``)
and reads the reorder point at targets 80 / 90 / 95 % through its recalibration: the share
of products whose demand stayed at or below it is the service the plan achieves.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench._data import load_retail_panel, write_section  # noqa: E402
from bench.engine_accuracy import snapshot_for  # noqa: E402
from planning.engine import PlanParams, plan_catalogue  # noqa: E402
from planning.engine.audit import score_promises, to_calibration  # noqa: E402
from planning.engine.calibration import calibration_group  # noqa: E402
from planning.engine.plan import forecast_catalogue  # noqa: E402
from planning.engine.schema import DEMAND_CLASS_NAMES  # noqa: E402
from planning.engine.totals import (  # noqa: E402
    block_pairs,
    distributions,
    fit_lead_time_pools,
    total_days,
)

LEVELS = (0.8, 0.9, 0.95)
PERIODS = (7, 14, 28)
BUSY = 2000


def cutoffs(n_days: int, weekly: int = 0) -> list[int]:
    """Cut-off day indices: the last with 28 days after it, and three more 6–13 weeks apart;
    with ``weekly`` > 0 instead that many cut-offs a week apart ending at the last."""
    last = n_days - 28
    if weekly > 0:
        return [last - 7 * k for k in range(weekly - 1, -1, -1)]
    return [last - 91 - 42, last - 91, last - 42, last]


def naive_bias(demand: np.ndarray, cut: int, p: int, sel: np.ndarray) -> float:
    """Bias of the set's plain 28-day mean (Σ over the set, per calendar day) × P: how far the
    shop's own total moved against its recent level, the part of the bias no per-product
    forecast made before the cut-off can know."""
    tot = demand[sel]
    past = tot[:, cut - 28 : cut].sum() / 28 * p
    return past / max(tot[:, cut : cut + p].sum(), 1e-9) - 1


def mean_se(x: np.ndarray, lag: int) -> float:
    """Standard error of the mean of a series of weekly cells whose neighbours are correlated
    (a P-day window overlaps the next ⌈P/7⌉ − 1 weekly windows, and the shop's swing lasts):
    Newey-West long-run variance with Bartlett weights up to ``lag`` weeks."""
    x = np.asarray(x, np.float64)
    n = x.size
    if n < 2:
        return float("nan")
    d = x - x.mean()
    lrv = (d @ d) / n
    for k in range(1, min(lag, n - 1) + 1):
        lrv += 2 * (1 - k / (lag + 1)) * (d[k:] @ d[:-k]) / n
    return float(np.sqrt(max(lrv, 0.0) / n))


def pit_at(demand, start, cut, p, price, rng) -> np.ndarray:
    """Randomised PIT of each product's actual P-day total under the empirical distribution
    (the one ``plan_catalogue`` states, fitted the same way): u = F(A − 1) + V·(F(A) − F(A − 1))
    for whole units A, V uniform.  Share of u ≤ ℓ is the coverage at ℓ with the ties of a
    discrete total split at random: a slow mover's 80 % quantile is often 0 units, which
    covers every zero, so plain coverage runs above 80 % even when the distribution is right."""
    weekday = (start + np.timedelta64(cut - 1, "D")).astype(object).weekday()
    snap = snapshot_for(demand[:, :cut], weekday, price, lead_time=p, lead_time_sd=0, review=0)
    params = PlanParams(lead_time_demand="empirical")
    days = total_days(snap)
    fc = forecast_catalogue(snap, params, days)
    pools = fit_lead_time_pools([block_pairs(fc["totals"], fc["demand_class"], days)])
    over_p, _ = distributions(
        fc["totals"], pools, fc["demand_class"], fc["history_days"], days, snap.lead_time_sd_days
    )
    a = np.rint(demand[:, cut : cut + p].sum(axis=1))
    f_a = 1 - over_p.sf(a)
    f_below = np.where(a >= 1, 1 - over_p.sf(a - 1), 0.0)
    return f_below + rng.random(a.shape) * (f_a - f_below)


def promise_at(demand, start, cut, p, price, mode, target=0.95, calibration=None):
    train = demand[:, :cut]
    weekday = (start + np.timedelta64(cut - 1, "D")).astype(object).weekday()
    snap = snapshot_for(train, weekday, price)
    n = demand.shape[0]
    snap = type(snap)(
        **{
            **snap.__dict__,
            "lead_time_mean_days": np.full(n, float(p)),
            "lead_time_sd_days": np.zeros(n),
            "review_days": np.zeros(n),
            "service_level": np.full(n, target),
        }
    )
    plan = plan_catalogue(snap, PlanParams(lead_time_demand=mode), calibration=calibration)
    return plan


def sets_at(demand: np.ndarray, cut: int) -> tuple[np.ndarray, np.ndarray]:
    """(busy, slow) masks at a cut-off: the BUSY products with the most sales lines before it,
    and the other products with a sale before it."""
    lines = (demand[:, :cut] > 0).sum(axis=1)
    busy = np.zeros(demand.shape[0], bool)
    busy[np.argsort(-lines, kind="stable")[:BUSY]] = True
    return busy & (lines > 0), ~busy & (lines > 0)


def audit_replay(demand, start, price, mode, evaluated, lookback=91):
    """Service at the reorder point read through the replayed audit's recalibration.

    Returns {(cut, P, set): (products, covered at 80 / 90 / 95, groups, hits)} for the
    ``evaluated`` cut-offs, and the calibration of the last one per P."""
    last = max(evaluated)
    first = min(evaluated) - lookback - max(PERIODS)
    grid = [c for c in range(last, first - 1, -7) if c > 56][::-1]
    out, cals = {}, {}
    for p in PERIODS:
        book = []  # (cut, quantiles, mean, risk, reorder point, group, actual) of each plan
        for cut in grid:
            plan = promise_at(demand, start, cut, p, price, mode)
            seen = (demand[:, :cut] > 0).any(axis=1)
            book.append(
                (
                    cut,
                    plan.promise_quantiles[seen],
                    plan.promise_mean[seen],
                    plan.promise_stockout_probability[seen],
                    plan.reorder_point[seen],
                    calibration_group(plan)[seen],
                    demand[seen, cut : cut + p].sum(axis=1),
                )
            )
            if cut not in evaluated:
                continue
            closed = [b for b in book if b[0] + p <= cut and b[0] + p > cut - lookback]
            if not closed:
                continue
            cat = [np.concatenate([b[i] for b in closed]) for i in range(1, 7)]
            q, mean, risk, rop, group, actual = cat
            score = score_promises(
                q,
                plan.promise_levels,
                mean,
                actual,
                np.zeros(actual.shape, bool),
                risk,
                actual > rop,
                group,
            )
            cal = to_calibration(score)
            cals[p] = cal
            actual = demand[:, cut : cut + p].sum(axis=1)
            busy, slow = sets_at(demand, cut)
            hits = []
            for level in LEVELS:
                pl = promise_at(demand, start, cut, p, price, mode, level, cal)
                hits.append(actual <= pl.reorder_point + 1e-9)
            hits = np.stack(hits, axis=1)
            groups = calibration_group(plan)
            for name, sel in (("busy", busy), ("slow", slow)):
                out[(cut, p, name)] = (hits[sel].mean(axis=0), groups[sel], hits[sel])
    return out, cals


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=4000)
    ap.add_argument("--modes", default="model,empirical")
    ap.add_argument(
        "--weekly", type=int, default=0, help="N weekly cut-offs instead of the four spread ones"
    )
    ap.add_argument(
        "--audit", action="store_true", help="replay the audit's recalibration (weekly cut-offs)"
    )
    ap.add_argument("--write", action="store_true", help="keep the tables in bench/results")
    args = ap.parse_args()
    demand, _codes, start, price = load_retail_panel(args.products)
    start = np.datetime64(start)
    n, n_days = demand.shape
    levels = np.asarray(LEVELS)
    li = [list((0.5, 0.8, 0.9, 0.95, 0.99)).index(x) for x in LEVELS]
    rows = []
    # per (mode, P, class): promises, and how many were covered at each level
    by_class: dict[tuple[str, int, str], np.ndarray] = {}
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for mode in args.modes.split(","):
        for cut in cutoffs(n_days, args.weekly):
            busy, slow = sets_at(demand, cut)
            for p in PERIODS:
                plan = promise_at(demand, start, cut, p, price, mode)
                actual = demand[:, cut : cut + p].sum(axis=1)
                u = pit_at(demand, start, cut, p, price, rng) if mode == "empirical" else None
                for name, sel in (("busy", busy), ("slow", slow)):
                    q = plan.promise_quantiles[sel][:, li]
                    a = actual[sel]
                    cov = (a[:, None] <= q + 1e-9).mean(axis=0)
                    bias = plan.promise_mean[sel].sum() / max(a.sum(), 1e-9) - 1
                    # the shop's own swing taken out: actuals scaled to the stated total
                    common = (a[:, None] * (1 + bias) <= q + 1e-9).mean(axis=0)
                    per_abc = {}
                    for k, lab in enumerate(plan.abc_names):
                        m = plan.abc_class[sel] == k
                        if m.sum() >= 30:
                            per_abc[lab] = (a[m] <= q[m, 2] + 1e-9).mean()
                    hit = a[:, None] <= q + 1e-9
                    labels = [plan.abc_names[k] for k in plan.abc_class[sel]]
                    kinds = np.asarray(DEMAND_CLASS_NAMES)[plan.demand_class[sel]]
                    for group in (np.asarray(labels), kinds):
                        for lab in np.unique(group):
                            m = group == lab
                            acc = by_class.setdefault((mode, p, str(lab)), np.zeros(6))
                            stated = plan.promise_mean[sel][m].sum()
                            acc += [m.sum(), *hit[m].sum(axis=0), stated, a[m].sum()]
                    nb = naive_bias(demand, cut, p, sel)
                    pit = None if u is None else (u[sel, None] <= levels).mean(axis=0)
                    rows.append(
                        (mode, cut, p, name, int(sel.sum()), cov, bias, per_abc, nb, common, pit)
                    )
    elapsed = time.perf_counter() - t0
    day = lambda c: str(start + np.timedelta64(int(c), "D"))  # noqa: E731
    out: list[str] = []
    print = out.append  # noqa: A001 - the tables are printed and kept
    print("| mode | cut-off | P | set | products | cov 80 | cov 90 | cov 95 | bias | 95 % by ABC |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    for mode, cut, p, name, m, cov, bias, per_abc, *_rest in rows:
        abc = ", ".join(f"{k} {v:.0%}" for k, v in per_abc.items())
        print(
            f"| {mode} | {day(cut)} | {p} | {name} | {m} | {cov[0]:.1%} | {cov[1]:.1%} | "
            f"{cov[2]:.1%} | {bias:+.1%} | {abc} |"
        )
    print("")
    print(
        "| mode | cut-offs | cells | within ±3 pts at 80 / 90 / 95 | bias within ±5 % | "
        "mean |cov − level| | mean |bias| | common shock removed: within ±3 pts | its mean "
        "|cov − level| | ties split at random (PIT): within ±3 pts |"
    )
    print("|---|---|---:|---|---:|---:|---:|---|---:|---|")
    cuts = cutoffs(n_days, args.weekly)
    half = len(cuts) // 2
    spans = [("all", cuts)]
    if args.weekly >= 4:
        spans += [("first half (tuning)", cuts[:half]), ("last half (held out)", cuts[half:])]
    for mode in args.modes.split(","):
        for span, cs in spans:
            rs = [r for r in rows if r[0] == mode and r[1] in cs]
            cov = np.array([r[5] for r in rs])
            common = np.array([r[9] for r in rs])
            ok = (np.abs(cov - levels) <= 0.03).sum(axis=0)
            ok_c = (np.abs(common - levels) <= 0.03).sum(axis=0)
            bias_ok = sum(abs(r[6]) <= 0.05 for r in rs)
            pits = [r[10] for r in rs if r[10] is not None]
            ok_p = (np.abs(np.array(pits) - levels) <= 0.03).sum(axis=0) if pits else None
            print(
                f"| {mode} | {span} | {len(rs)} | {ok[0]} / {ok[1]} / {ok[2]} | "
                f"{bias_ok} / {len(rs)} | {np.abs(cov - levels).mean():.3f} | "
                f"{np.mean([abs(r[6]) for r in rs]):.1%} | {ok_c[0]} / {ok_c[1]} / {ok_c[2]} | "
                f"{np.abs(common - levels).mean():.3f} | "
                + (f"{ok_p[0]} / {ok_p[1]} / {ok_p[2]} |" if ok_p is not None else "– |")
            )
    print("")
    print("Stated coverage against the ties of whole units split at random (PIT), per P and set:")
    print("")
    print("| P | set | cells | stated: mean | within ±3 pts | PIT: mean | within ±3 pts |")
    print("|---:|---|---:|---|---|---|---|")
    for p in PERIODS:
        for name in ("busy", "slow"):
            rs = [r for r in rows if r[2] == p and r[3] == name and r[10] is not None]
            if not rs:
                continue
            cov, pit = np.array([r[5] for r in rs]), np.array([r[10] for r in rs])
            fmt = lambda x: " / ".join(f"{v:.1%}" for v in x.mean(axis=0))  # noqa: E731
            okn = lambda x: " / ".join(str(v) for v in (np.abs(x - levels) <= 0.03).sum(axis=0))  # noqa: E731
            print(
                f"| {p} | {name} | {len(rs)} | {fmt(cov)} | {okn(cov)} | {fmt(pit)} | {okn(pit)} |"
            )
    print("")
    print(
        "| mode | P | set | cut-offs | mean bias | its s.e. | sd of bias | within ±5 % | "
        "28-day mean of the set: mean bias | its sd |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for mode in args.modes.split(","):
        for p in PERIODS:
            for name in ("busy", "slow"):
                rs = [r for r in rows if r[0] == mode and r[2] == p and r[3] == name]
                b = np.array([r[6] for r in rs])
                nb = np.array([r[8] for r in rs])
                print(
                    f"| {mode} | {p} | {name} | {len(rs)} | {b.mean():+.1%} | "
                    f"{mean_se(b, -(-p // 7) + 1):.1%} | {b.std():.1%} | "
                    f"{(np.abs(b) <= 0.05).sum()} | {nb.mean():+.1%} | {nb.std():.1%} |"
                )
    print("")
    print(
        "Coverage by class, pooled over the cut-offs and both sets (ABC by revenue; demand "
        "class by Syntetos-Boylan):"
    )
    print("")
    print("| mode | P | class | promises | cov 80 | cov 90 | cov 95 | bias |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    for (mode, p, lab), acc in sorted(by_class.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        cov = acc[1:4] / max(acc[0], 1)
        bias = acc[4] / max(acc[5], 1e-9) - 1
        print(
            f"| {mode} | {p} | {lab} | {int(acc[0])} | {cov[0]:.1%} | {cov[1]:.1%} | "
            f"{cov[2]:.1%} | {bias:+.1%} |"
        )
    if args.audit:
        t1 = time.perf_counter()
        mode = args.modes.split(",")[-1]
        evaluated = cuts
        served, cals = audit_replay(demand, start, price, mode, evaluated)
        print("")
        print(
            f"Service at the reorder point through the replayed audit's recalibration ({mode}; "
            "targets 80 / 90 / 95 %, cut-offs with a closed period to score):"
        )
        print("")
        print("| cut-offs | P | set | cells | mean service | within ±3 pts | before (stated) |")
        print("|---|---:|---|---:|---|---|---|")
        sp = [("all", evaluated), ("first half", evaluated[: len(evaluated) // 2])]
        sp.append(("last half", evaluated[len(evaluated) // 2 :]))
        for span, cs in sp:
            for p in PERIODS:
                for name in ("busy", "slow"):
                    keys = [(c, p, name) for c in cs if (c, p, name) in served]
                    if not keys:
                        continue
                    cov = np.array([served[k][0] for k in keys])
                    ok = (np.abs(cov - levels) <= 0.03).sum(axis=0)
                    before = np.array(
                        [r[5] for r in rows if r[0] == mode and (r[1], r[2], r[3]) in keys]
                    )
                    okb = (np.abs(before - levels) <= 0.03).sum(axis=0) if before.size else None
                    print(
                        f"| {span} | {p} | {name} | {len(keys)} | "
                        + " / ".join(f"{x:.1%}" for x in cov.mean(axis=0))
                        + f" | {ok[0]} / {ok[1]} / {ok[2]} | "
                        + (f"{okb[0]} / {okb[1]} / {okb[2]}" if okb is not None else "–")
                        + " |"
                    )
        print("")
        print("Achieved service by calibration group, pooled over the cut-offs and both sets:")
        print("")
        print("| P | group | promises | at 80 | at 90 | at 95 | adjusted levels (last) |")
        print("|---:|---|---:|---:|---:|---:|---|")
        for p in PERIODS:
            keys = [k for k in served if k[1] == p]
            groups = np.concatenate([served[k][1] for k in keys])
            hits = np.concatenate([served[k][2] for k in keys])
            cal = cals.get(p)
            for g in np.unique(groups):
                m = groups == g
                c = hits[m].mean(axis=0)
                adj = ""
                if cal is not None and g in cal.groups:
                    row = cal.adjusted[cal.groups.index(g)]
                    lv = list(cal.levels)
                    adj = " / ".join(f"{row[lv.index(x)]:.3f}" for x in LEVELS if x in lv)
                print(
                    f"| {p} | {g} | {int(m.sum())} | {c[0]:.1%} | {c[1]:.1%} | {c[2]:.1%} | {adj} |"
                )
        print(f"\naudit replay in {time.perf_counter() - t1:.0f} s")
    print(f"\n{len(rows)} cells in {elapsed:.0f} s")
    table = "\n".join(out)
    sys.stdout.write(table + "\n")
    if args.write:
        write_section(
            ROOT / "bench" / "results" / "calibration.md",
            "Coverage and bias of the promise (bench/calibration.py)"
            + (f", {args.weekly} weekly cut-offs" if args.weekly else ""),
            table,
        )


if __name__ == "__main__":
    main()
