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
from planning.engine.schema import DEMAND_CLASS_NAMES  # noqa: E402

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


def promise_at(demand, start, cut, p, price, mode):
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
        }
    )
    plan = plan_catalogue(snap, PlanParams(lead_time_demand=mode))
    return plan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--products", type=int, default=4000)
    ap.add_argument("--modes", default="model,empirical")
    ap.add_argument(
        "--weekly", type=int, default=0, help="N weekly cut-offs instead of the four spread ones"
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
    t0 = time.perf_counter()
    for mode in args.modes.split(","):
        for cut in cutoffs(n_days, args.weekly):
            lines = (demand[:, :cut] > 0).sum(axis=1)
            rank = np.argsort(-lines, kind="stable")
            busy = np.zeros(n, bool)
            busy[rank[:BUSY]] = True
            seen = lines > 0
            for p in PERIODS:
                plan = promise_at(demand, start, cut, p, price, mode)
                actual = demand[:, cut : cut + p].sum(axis=1)
                for name, sel in (("busy", busy & seen), ("slow", ~busy & seen)):
                    q = plan.promise_quantiles[sel][:, li]
                    a = actual[sel]
                    cov = (a[:, None] <= q + 1e-9).mean(axis=0)
                    bias = plan.promise_mean[sel].sum() / max(a.sum(), 1e-9) - 1
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
                            acc = by_class.setdefault((mode, p, str(lab)), np.zeros(4))
                            acc += [m.sum(), *hit[m].sum(axis=0)]
                    nb = naive_bias(demand, cut, p, sel)
                    rows.append((mode, cut, p, name, int(sel.sum()), cov, bias, per_abc, nb))
    elapsed = time.perf_counter() - t0
    day = lambda c: str(start + np.timedelta64(int(c), "D"))  # noqa: E731
    out: list[str] = []
    print = out.append  # noqa: A001 - the tables are printed and kept
    print("| mode | cut-off | P | set | products | cov 80 | cov 90 | cov 95 | bias | 95 % by ABC |")
    print("|---|---|---:|---|---:|---:|---:|---:|---:|---|")
    for mode, cut, p, name, m, cov, bias, per_abc, _nb in rows:
        abc = ", ".join(f"{k} {v:.0%}" for k, v in per_abc.items())
        print(
            f"| {mode} | {day(cut)} | {p} | {name} | {m} | {cov[0]:.1%} | {cov[1]:.1%} | "
            f"{cov[2]:.1%} | {bias:+.1%} | {abc} |"
        )
    print("")
    print(
        "| mode | cells | within ±3 pts at 80 / 90 / 95 | bias within ±5 % | mean |cov − level| |"
    )
    print("|---|---:|---|---:|---:|")
    for mode in args.modes.split(","):
        rs = [r for r in rows if r[0] == mode]
        cov = np.array([r[5] for r in rs])
        ok = (np.abs(cov - levels) <= 0.03).sum(axis=0)
        bias_ok = sum(abs(r[6]) <= 0.05 for r in rs)
        dev = np.abs(cov - levels).mean()
        print(
            f"| {mode} | {len(rs)} | {ok[0]} / {ok[1]} / {ok[2]} | {bias_ok} / {len(rs)} | "
            f"{dev:.3f} |"
        )
    print("")
    print(
        "| mode | P | set | cut-offs | mean bias | sd of bias | within ±5 % | "
        "28-day mean of the set: mean bias | its sd |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for mode in args.modes.split(","):
        for p in PERIODS:
            for name in ("busy", "slow"):
                rs = [r for r in rows if r[0] == mode and r[2] == p and r[3] == name]
                b = np.array([r[6] for r in rs])
                nb = np.array([r[8] for r in rs])
                print(
                    f"| {mode} | {p} | {name} | {len(rs)} | {b.mean():+.1%} | {b.std():.1%} | "
                    f"{(np.abs(b) <= 0.05).sum()} | {nb.mean():+.1%} | {nb.std():.1%} |"
                )
    print("")
    print(
        "Coverage by class, pooled over the cut-offs and both sets (ABC by revenue; demand "
        "class by Syntetos-Boylan):"
    )
    print("")
    print("| mode | P | class | promises | cov 80 | cov 90 | cov 95 |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for (mode, p, lab), acc in sorted(by_class.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        cov = acc[1:] / max(acc[0], 1)
        print(
            f"| {mode} | {p} | {lab} | {int(acc[0])} | {cov[0]:.1%} | {cov[1]:.1%} | {cov[2]:.1%} |"
        )
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
