"""Benchmark: the nightly planning run end to end on a large catalogue (PostgreSQL).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zapas_bench_plan \\
        .venv/bin/python bench/plan_run.py [--seed-skus 100000] [--chunk-size 20000]

``--seed-skus N`` first builds the demo catalogue (``manage.py seed_demo --skus N``, two years
of history) in that database (it must be a throwaway one). Then ``plan_run`` runs in this
process (no broker) and the script prints seconds per stage (read = the bulk selectors and the
COPY of the demand history, engine = ``plan_catalogue``, write = COPY of the results,
finalise = the atomic swap), the peak resident memory and the catalogue size.
``--markdown FILE`` also writes the figures as a Markdown table.

``--operations`` (with ``--po-years``) times the steps that learn from operations as the
night's run makes them: supplier learning first reads every order as of yesterday (the state
a previous night leaves), then a day's work is booked (a day's receipts on the orders of the
last three weeks, a day's new orders), and the run for today learns incrementally. Each step
is timed inside the run (CPU of this process and of the database backend); a full refit as
of today is timed after it, as the peer of the incremental one.
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
    parser.add_argument(
        "--po-years",
        type=int,
        default=0,
        help="First add this many years of received POs (every primary item every 14 days).",
    )
    parser.add_argument(
        "--operations",
        action="store_true",
        help="Then time each step that learns from operations (their share of the run).",
    )
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
    if args.po_years:
        t = time.perf_counter()
        lines = _po_history_seed(args.po_years)
        print(f"added {lines:,} received PO lines in {time.perf_counter() - t:.0f} s")

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
    timed: dict[str, tuple[int, float, float]] = {}
    if args.operations:
        last_night = _operations_prepare(backend_pid, timed)
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
    lines = ["| stage | figure |", "|---|---|"] + [f"| {k} | {v} |" for k, v in rows]
    if args.operations:
        lines += [
            "",
            *_operations_table(
                run.plan_date, backend_pid, python_cpu + server_cpu, timed, last_night
            ),
        ]
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")


def _po_history_seed(years: int) -> int:
    """Received purchase orders for every primary supplier item every 14 days over ``years``
    before today, with their receipts in the ledger (PostgreSQL, set-based SQL; a throwaway
    database: the ledger no longer sums to the stock levels). The demo's own history is a year
    of a few hundred POs; issue 17's budget is for two years over the whole catalogue."""
    from django.db import connection, transaction

    sql = """
    CREATE TEMP TABLE bench_lines ON COMMIT DROP AS
    SELECT si.sku_id, si.supplier_id, w.id AS warehouse_id,
           (current_date - (k * 14 + (si.sku_id %% 14))::int) AS order_date,
           (10 + si.sku_id %% 50)::int AS qty,
           (7 + (si.sku_id * 7 + k) %% 15)::int AS lead_days
    FROM inventory_supplieritem si
    JOIN (SELECT id FROM inventory_warehouse WHERE kind = 'own' ORDER BY id LIMIT 1) w ON true
    CROSS JOIN generate_series(1, %(periods)s) k
    WHERE si.is_primary;
    CREATE TEMP TABLE bench_pos ON COMMIT DROP AS
    SELECT DISTINCT supplier_id, warehouse_id, order_date FROM bench_lines;
    INSERT INTO inventory_purchaseorder
        (number, status, order_date, expected_arrival, notes, created_at, supplier_id, warehouse_id)
    SELECT 'BPO-' || supplier_id || '-' || warehouse_id || '-' || to_char(order_date, 'YYYYMMDD'),
           'received', order_date, order_date + 14, 'bench history', order_date::timestamptz,
           supplier_id, warehouse_id
    FROM bench_pos;
    INSERT INTO inventory_purchaseorderline
        (quantity_ordered, quantity_received, unit_cost, purchase_order_id, sku_id)
    SELECT l.qty, l.qty, 1, po.id, l.sku_id
    FROM bench_lines l
    JOIN inventory_purchaseorder po ON po.supplier_id = l.supplier_id
        AND po.warehouse_id = l.warehouse_id AND po.order_date = l.order_date
        AND po.notes = 'bench history';
    INSERT INTO inventory_stockmovement
        (kind, quantity, on_hand_after, reason, document_type, document_ref, device, created_at,
         sku_id, warehouse_id)
    SELECT 'receipt', l.qty, l.qty, '', 'purchase_order',
           'BPO-' || l.supplier_id || '-' || l.warehouse_id || '-' || to_char(l.order_date, 'YYYYMMDD'),
           '', (l.order_date + l.lead_days)::timestamptz + interval '10 hours', l.sku_id, l.warehouse_id
    FROM bench_lines l WHERE l.order_date + l.lead_days < current_date;
    """
    with transaction.atomic(), connection.cursor() as cursor:
        statements = [part.strip() for part in sql.split(";\n") if part.strip()]
        for statement in statements:  # one at a time: server-side binding takes one each
            cursor.execute(statement, {"periods": years * 26})
        cursor.execute("SELECT count(*) FROM inventory_purchaseorderline")
        lines = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_purchaseorder, inventory_purchaseorderline")
        cursor.execute("ANALYZE inventory_stockmovement")
    return lines


#: A day's work after the last night: a day's receipts (one in 15 of the lines ordered 7 to 21
#: days before, ~7,000 at 100k SKUs) and a day's new orders (copies of those of 14 days before).
_DAY_SQL = """
INSERT INTO inventory_stockmovement
    (kind, quantity, on_hand_after, reason, document_type, document_ref, device, created_at,
     sku_id, warehouse_id)
SELECT 'receipt', l.quantity_ordered, l.quantity_ordered, 'bench next day', 'purchase_order',
       po.number, '', (%(day)s::date + interval '10 hours')::timestamptz, l.sku_id,
       po.warehouse_id
FROM inventory_purchaseorderline l JOIN inventory_purchaseorder po ON po.id = l.purchase_order_id
WHERE po.notes = 'bench history' AND po.order_date BETWEEN %(day)s::date - 21 AND %(day)s::date - 7
  AND (l.sku_id + (po.order_date - DATE '2000-01-01')) %% 15 = 0;
INSERT INTO inventory_purchaseorder
    (number, status, order_date, expected_arrival, notes, created_at, supplier_id, warehouse_id)
SELECT number || '-next', 'sent', %(day)s::date, %(day)s::date + 14, 'bench next day', now(),
       supplier_id, warehouse_id
FROM inventory_purchaseorder WHERE notes = 'bench history' AND order_date = %(day)s::date - 14;
INSERT INTO inventory_purchaseorderline
    (quantity_ordered, quantity_received, unit_cost, purchase_order_id, sku_id)
SELECT l.quantity_ordered, 0, l.unit_cost, n.id, l.sku_id
FROM inventory_purchaseorderline l
JOIN inventory_purchaseorder o ON o.id = l.purchase_order_id
JOIN inventory_purchaseorder n ON n.number = o.number || '-next'
WHERE o.notes = 'bench history' AND o.order_date = %(day)s::date - 14
"""

_DAY_UNDO_SQL = """
DELETE FROM inventory_stockmovement WHERE reason = 'bench next day';
DELETE FROM inventory_purchaseorderline
WHERE purchase_order_id IN (SELECT id FROM inventory_purchaseorder WHERE notes = 'bench next day');
DELETE FROM inventory_purchaseorder WHERE notes = 'bench next day'
"""


def _timed(name, step, backend_pid, timed):
    """``step`` that adds (rows, wall s, CPU s of this process + the backend) to ``timed``."""

    def run(*args, **kwargs):
        cpu0, server0, t0 = _own_cpu(), _process_cpu(backend_pid), time.perf_counter()
        written = step(*args, **kwargs)
        cpu = _own_cpu() - cpu0 + _process_cpu(backend_pid) - server0
        timed[name] = (written, time.perf_counter() - t0, cpu)
        return written

    return run


_STEPS = [
    ("prep time", "prep_time_refresh"),
    ("packing capacity", "packing_capacity_refresh"),
    ("capacity outlook", "capacity_forecast_refresh"),
    ("cycle-count plan", "cycle_count_plan_build"),
    ("expedite", "expedite_refresh"),
]


def _operations_prepare(backend_pid, timed) -> tuple[int, float, float]:
    """Last night's state (a full read as of yesterday), then a day's work; the run's own
    operations steps are timed into ``timed``. Returns the full read's figures."""
    from datetime import timedelta

    from django.db import connection, transaction
    from django.utils import timezone

    from planning import operations, runs
    from planning.supplier_learning import supplier_performance_refresh

    today = timezone.localdate()
    with connection.cursor() as cursor:
        for statement in _DAY_UNDO_SQL.split(";\n"):  # a previous bench's day, if any
            cursor.execute(statement)
    cpu0, server0, t0 = _own_cpu(), _process_cpu(backend_pid), time.perf_counter()
    rows = supplier_performance_refresh(as_of=today - timedelta(days=1), full=True)
    last_night = (
        rows,
        time.perf_counter() - t0,
        _own_cpu() - cpu0 + _process_cpu(backend_pid) - server0,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in _DAY_SQL.split(";\n"):
            cursor.execute(statement, {"day": today - timedelta(days=1)})
    runs.supplier_performance_refresh = _timed(
        "supplier lead times + scorecards", runs.supplier_performance_refresh, backend_pid, timed
    )
    for name, attr in _STEPS:
        setattr(operations, attr, _timed(name, getattr(operations, attr), backend_pid, timed))
    return last_night


def _operations_table(plan_date, backend_pid, run_cpu: float, timed, last_night) -> list[str]:
    """Each step that learns from operations (issue 17) as the run made it, its share of the
    rest of the run, and the full refit as of the same day (the incremental step's peer)."""
    from planning.supplier_learning import supplier_performance_refresh

    out = [
        "| operations step (in the run) | rows | wall s | CPU s (Python + PostgreSQL) |",
        "|---|---:|---:|---:|",
    ]
    names = ["supplier lead times + scorecards", *(name for name, _ in _STEPS)]
    total_wall = total_cpu = 0.0
    for name in names:
        written, wall, cpu = timed[name]
        total_wall += wall
        total_cpu += cpu
        out.append(f"| {name} | {written:,} | {wall:.2f} | {cpu:.2f} |")
        print(f"{name:<34} {written:>9,} rows {wall:7.2f} s wall {cpu:7.2f} CPU s")
    plan_cpu = run_cpu - total_cpu
    share = f"| **all** | | {total_wall:.2f} | {total_cpu:.2f} = {total_cpu / plan_cpu:.1%} of the rest of the run ({plan_cpu:.1f} CPU s) |"
    out.append(share)
    print(share)
    cpu0, server0, t0 = _own_cpu(), _process_cpu(backend_pid), time.perf_counter()
    written = supplier_performance_refresh(as_of=plan_date, full=True)
    wall = time.perf_counter() - t0
    cpu = _own_cpu() - cpu0 + _process_cpu(backend_pid) - server0
    incremental = timed["supplier lead times + scorecards"][2]
    out += [
        "",
        "| supplier learning | rows | wall s | CPU s (Python + PostgreSQL) |",
        "|---|---:|---:|---:|",
        f"| last night: full read as of the day before | {last_night[0]:,} | {last_night[1]:.2f} | {last_night[2]:.2f} |",
        f"| tonight, incremental (in the run) | {timed['supplier lead times + scorecards'][0]:,} | {timed['supplier lead times + scorecards'][1]:.2f} | {incremental:.2f} |",
        f"| tonight, full refit (after the run, same day) | {written:,} | {wall:.2f} | {cpu:.2f} |",
        f"| incremental ÷ full refit | | | {incremental / cpu:.2f} |",
    ]
    print("\n".join(out[-4:]))
    return out


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
