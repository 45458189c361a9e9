"""Benchmark: the nightly planning run end to end on a large catalogue (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zapas_bench_plan \\
        .venv/bin/python bench/plan_run.py [--seed-skus 100000] [--chunk-size 20000]

``--seed-skus N`` first builds the demo catalogue (``manage.py seed_demo --skus N``, two years
of history) in that database (it must be a throwaway one). Then ``plan_run`` runs in this
process (no broker) and the script prints seconds per stage (read = the bulk selectors and the
COPY of the demand history, engine = ``plan_catalogue``, write = COPY of the results,
finalise = the atomic swap), the peak resident memory and the catalogue size.
``--markdown FILE`` also writes the figures as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-skus", type=int, default=0, help="Seed this many demo SKUs first.")
    parser.add_argument("--chunk-size", type=int, default=None, help="SKUs per chunk.")
    parser.add_argument("--markdown", type=Path, help="Also write the figures here.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from planning import runs
    from planning.models import DemandHistory, PlanRun

    if args.seed_skus:
        t = time.perf_counter()
        call_command("seed_demo", skus=args.seed_skus, flush=True)
        print(f"seeded {args.seed_skus} SKUs in {time.perf_counter() - t:.0f} s")

    table = DemandHistory._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the planner's estimate, not a count(*) over tens of millions of rows
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
        else:
            cursor.execute(f"SELECT count(*) FROM {table}")
        history_rows = cursor.fetchone()[0]

    backend_pid = None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend_pid = cursor.fetchone()[0]
    load_before = os.getloadavg()[0]
    cpu_before = _own_cpu(), _process_cpu(backend_pid)
    started = time.perf_counter()
    run = runs.plan_run(chunk_size=args.chunk_size, triggered_by="bench")
    wall = time.perf_counter() - started
    python_cpu = _own_cpu() - cpu_before[0]
    server_cpu = _process_cpu(backend_pid) - cpu_before[1]
    load_after = os.getloadavg()[0]
    if run.status != PlanRun.Status.DONE:
        raise SystemExit(f"run {run.pk} {run.status}: {run.error}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = run.timings
    rows = [
        ("database", connection.vendor),
        ("SKUs planned", f"{run.sku_count:,}"),
        ("history", f"{run.history_days} days, ~{history_rows:,} demand rows"),
        ("chunks", f"{run.chunk_count} × {run.parameters['chunk_size']:,} SKUs"),
        ("read (selectors + COPY of the history)", f"{t['read']:.1f} s"),
        ("engine (plan_catalogue)", f"{t['engine']:.1f} s"),
        ("write (COPY of plans and suggestions)", f"{t['write']:.1f} s"),
        ("finalise (ABC, swap, counts)", f"{t['finalise']:.1f} s"),
        ("total wall time", f"{wall:.1f} s"),
        ("CPU time: Python process", f"{python_cpu:.1f} s"),
        (
            "CPU time: PostgreSQL main backend (not the COPY readers)",
            f"{server_cpu:.1f} s" if backend_pid else "n/a",
        ),
        ("machine load average (1 min) before / after", f"{load_before:.1f} / {load_after:.1f}"),
        ("peak resident memory", f"{peak_mb:,.0f} MB"),
        (
            "suggestions",
            f"{run.reorder_count:,} reorder, {run.fbo_shipment_count:,} FBO, "
            f"{run.scheme_change_count:,} scheme",
        ),
        ("CPU", f"{os.cpu_count()} cores"),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    if args.markdown:
        lines = ["| stage | figure |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
        args.markdown.write_text("\n".join(lines) + "\n")


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: int | None) -> float:
    """User + system CPU seconds of a local process (the database backend serving us)."""
    if not pid:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


if __name__ == "__main__":
    main()
