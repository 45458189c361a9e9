"""Benchmark: what storing promises adds to a planning run, and what the nightly audit costs.

    createdb -h 127.0.0.1 -U postgres zapas_bench_audit
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zapas_bench_audit \\
        .venv/bin/python bench/promise_audit.py [--skus 20000] [--nights 28] [--markdown FILE]

The database must be a throwaway one: the script migrates it and seeds the demo catalogue
(``seed_demo --flush``, 240 days of history). Then, in the same process:

1. the plan of 60 days ago runs four times, alternating without and with ``promises_save``
   (the same code, the promise write switched off), and the write stages are compared;
2. the live run's promises are copied onto ``--nights`` − 1 earlier plan dates (a quarter of a
   year of nightly runs) and a first audit settles them all (the backfill);
3. one more night of promises is added and the nightly audit is timed: it settles that night
   and scores every settled promise of the look-back. Its floor is reading the same columns
   with one plain SQL statement.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--nights", type=int, default=28, help="Plan dates in the look-back.")
    parser.add_argument("--markdown", type=Path, help="Also write the figures here.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from planning import run_results, runs
    from planning.models import PlanRun
    from planning.promise_audit import promise_audit_run
    from planning.promise_models import Promise

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command("seed_demo", skus=args.skus, days=240, flush=True, verbosity=0)
    print(f"seeded {args.skus:,} SKUs × 240 days in {time.perf_counter() - t:.0f} s")
    settings.ZAPAS = {**settings.ZAPAS, "AUDIT_SETTLE_DAYS": 0, "AUDIT_LOOKBACK_DAYS": 120}
    today = timezone.localdate()
    plan_date = today - timedelta(days=60)

    real_save = run_results.promises_save
    writes: dict[str, list[float]] = {"without": [], "with": []}
    for mode in ("without", "with", "without", "with"):
        run_results.promises_save = real_save if mode == "with" else (lambda **kw: 0)
        run = runs.plan_run(plan_date=plan_date, triggered_by="bench")
        if run.status != PlanRun.Status.DONE:
            raise SystemExit(f"run {run.pk} {run.status}: {run.error}")
        writes[mode].append(run.timings["write"])
    run_results.promises_save = real_save
    live = PlanRun.objects.current()
    per_night = Promise.objects.filter(run=live).count()

    table = connection.ops.quote_name(Promise._meta.db_table)
    columns = [f.column for f in Promise._meta.concrete_fields if f.column not in ("id", "run_id")]
    shifted = [
        c if c not in ("plan_date", "window_start", "window_end") else f"{c} - %s::int"
        for c in columns
    ]
    # a copied night is not settled yet
    shifted = ["NULL" if c in ("actual", "censored", "settled_on") else c for c in shifted]
    if connection.vendor == "sqlite":
        shifted = [
            c if "%s" not in c else f"date({c.split()[0]}, '-' || %s || ' days')" for c in shifted
        ]

    def copy_night(days_back: int) -> None:
        """The live run's promises again, as if planned ``days_back`` days earlier."""
        run = PlanRun.objects.create(
            plan_date=plan_date - timedelta(days=days_back), status=PlanRun.Status.DONE
        )
        params = [days_back] * sum("%s" in c for c in shifted)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (run_id, {', '.join(columns)}) "
                f"SELECT %s, {', '.join(shifted)} FROM {table} WHERE run_id = %s",
                [run.pk, *params, live.pk],
            )

    for back in range(1, args.nights):
        copy_night(back + 1)  # 2 … nights days back: the newest night is added below
    t = time.perf_counter()
    backfill = promise_audit_run(audit_date=today, triggered_by="bench")
    backfill_s = time.perf_counter() - t

    copy_night(1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    load_before = os.getloadavg()[0]
    t = time.perf_counter()
    nightly = promise_audit_run(audit_date=today, triggered_by="bench")
    nightly_s = time.perf_counter() - t
    window = (nightly.window_from, nightly.window_to)
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT q50, q80, q90, q95, q99, mean, actual, censored, stockout_probability, "
            f"reorder_point, calibration_group, service_level, plan_date FROM {table} "
            "WHERE actual IS NOT NULL AND window_end BETWEEN %s AND %s",
            list(window),
        )
        floor_rows = len(cursor.fetchall())
    floor_s = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    w0, w1 = min(writes["without"]), min(writes["with"])
    rows = [
        ("database", connection.vendor),
        ("SKUs planned (promises per night)", f"{per_night:,}"),
        (
            "plan write stage without / with promises (best of 2)",
            f"{w0:.2f} s / {w1:.2f} s (+{w1 - w0:.2f} s, ×{w1 / w0:.2f})",
        ),
        (
            "backfill audit: promises settled, scored",
            f"{backfill.promises_settled:,} settled, {backfill.promises_scored:,} scored "
            f"in {backfill_s:.1f} s",
        ),
        (
            "nightly audit: settled, scored, censored",
            f"{nightly.promises_settled:,}, {nightly.promises_scored:,}, "
            f"{nightly.promises_censored:,}",
        ),
        ("nightly audit wall time", f"{nightly_s:.2f} s"),
        (
            "floor: one SELECT of the scored columns",
            f"{floor_s:.2f} s for {floor_rows:,} rows (audit ÷ floor ×{nightly_s / floor_s:.1f})",
        ),
        ("load average (1 min) before the nightly audit", f"{load_before:.1f}"),
        ("peak resident memory", f"{peak_mb:,.0f} MB"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.markdown:
        lines = ["| what | figure |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
