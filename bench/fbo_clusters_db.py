"""Benchmark: what per-cluster FBO planning adds to the whole nightly run, database included.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zapas_bench_clusters \\
        .venv/bin/python bench/fbo_clusters_db.py [--seed-skus 100000] [--clusters 24] [--repeat 2]

``bench/fbo_clusters.py`` times the engine alone; this times ``planning.runs.plan_run`` end to
end (the snapshot's queries, the engine, the writes) on a throwaway PostgreSQL database with
the demo catalogue (``--seed-skus N`` builds it first with ``seed_demo``), twice per round,
alternated:

* *without clusters*: the demo as seeded (its FBO warehouses, no cluster, no marketplace report);
* *per cluster*: ``--clusters`` FBO clusters, each with a warehouse of its own, a marketplace
  stock report for every FBO SKU in three of them, and 56 days of FBO demand per buyer's cluster
  (a sale every fourth day in each, a tenth of it shipped from another cluster) — Ozon's
  analytics stock report and FBO postings as the connector stores them.

The cluster rows are added before each per-cluster run and removed after it, so the database is
left as it was. The figure is the ratio of CPU seconds (this process + every PostgreSQL backend
serving the database during the run, its COPY readers included: the steadier reading on a
shared machine; wall seconds and the load are printed beside them),
goal ≤ 1.20. ``--markdown FILE`` writes the table.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import threading  # noqa: E402

from bench.plan_run import _own_cpu, _process_cpu  # noqa: E402

CLUSTER_PREFIX = "bench-cluster-"

SEED_SQL = """
CREATE TEMP TABLE bench_home ON COMMIT DROP AS
SELECT s.id AS sku_id, w.id AS warehouse_id, w.cluster_id, j
FROM inventory_sku s
CROSS JOIN generate_series(0, 2) j
JOIN LATERAL (
    SELECT id, cluster_id FROM inventory_warehouse
    WHERE cluster_id IS NOT NULL AND code LIKE 'BCL%%'
    ORDER BY id OFFSET ((s.id + j * 7) %% %(clusters)s) LIMIT 1
) w ON true
WHERE s.scheme IN ('fbo', 'both');
INSERT INTO inventory_fbostockreport
    (sku_id, warehouse_id, available, in_transit, requested, daily_sales, days_of_cover, reported_at)
SELECT sku_id, warehouse_id, (sku_id * 7 + j) %% 40, (sku_id + j) %% 5, 0, 1, NULL, now()
FROM bench_home;
INSERT INTO planning_clusterdemand (source, sku_id, cluster_id, date, units, orders, non_local_units)
SELECT 'bench', h.sku_id, h.cluster_id, current_date - d, 1 + (h.sku_id + d) %% 3, 1,
       CASE WHEN (h.sku_id + d) %% 10 = 0 THEN 1 ELSE 0 END
FROM bench_home h CROSS JOIN generate_series(1, 56) d
WHERE (h.sku_id + d + h.j) %% 4 = 0;
"""

CLEAN_SQL = """
DELETE FROM planning_clusterdemand WHERE source = 'bench';
DELETE FROM inventory_fbostockreport WHERE warehouse_id IN
    (SELECT id FROM inventory_warehouse WHERE code LIKE 'BCL%%' AND cluster_id IS NOT NULL);
DELETE FROM planning_fboshipmentsuggestion WHERE warehouse_id IN
    (SELECT id FROM inventory_warehouse WHERE code LIKE 'BCL%%' AND cluster_id IS NOT NULL);
DELETE FROM inventory_warehouse WHERE code LIKE 'BCL%%' AND cluster_id IS NOT NULL;
DELETE FROM inventory_fbocluster WHERE code LIKE %(prefix)s || '%%';
"""


def _clusters_add(count: int) -> None:
    """``count`` clusters, each with an FBO warehouse of its own (2–10 days' transit)."""
    from inventory.models import FboCluster, Warehouse

    for k in range(1, count + 1):
        cluster = FboCluster.objects.create(code=f"{CLUSTER_PREFIX}{k}", name=f"Bench cluster {k}")
        Warehouse.objects.create(
            code=f"BCL{k}",
            name=f"Bench FBO {k}",
            kind=Warehouse.Kind.FBO,
            transit_days=2 + k % 9,
            cluster=cluster,
        )


def _execute(sql: str, params: dict) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in (part.strip() for part in sql.split(";\n")):
            if statement:  # one at a time: server-side binding takes one statement each
                cursor.execute(statement, params)


def _counts() -> tuple[int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inventory_fbostockreport")
        reports = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM planning_clusterdemand WHERE source = 'bench'")
        return reports, cursor.fetchone()[0]


class DatabaseCpu:
    """CPU seconds of every PostgreSQL backend serving this database while it runs: the run's
    main connection and the readers it opens and closes (polled every 0.2 s from
    pg_stat_activity on a connection of its own, which it leaves out)."""

    def __init__(self, dsn: str, database: str) -> None:
        import psycopg

        self._conn = psycopg.connect(dsn, autocommit=True)
        self._database = database
        self._own = self._conn.info.backend_pid
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._poll(first=True)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _poll(self, first: bool = False) -> None:
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
            [self._database, self._own],
        ).fetchall()
        for (pid,) in rows:
            cpu = _process_cpu(pid)
            self._start.setdefault(pid, cpu if first else 0.0)
            self._last[pid] = max(cpu, self._last.get(pid, 0.0))

    def _loop(self) -> None:
        while not self._stop.wait(0.2):
            self._poll()

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._poll()
        self._conn.close()
        return sum(self._last[pid] - self._start[pid] for pid in self._last)


def _timed_run() -> dict:
    from django.db import connection

    from planning import runs
    from planning.models import PlanRun

    load = os.getloadavg()[0]
    server = DatabaseCpu(os.environ["DATABASE_URL"], connection.settings_dict["NAME"])
    cpu0, t0 = _own_cpu(), time.perf_counter()
    run = runs.plan_run(triggered_by="bench")
    wall = time.perf_counter() - t0
    cpu = _own_cpu() - cpu0 + server.stop()
    if run.status != PlanRun.Status.DONE:
        raise SystemExit(f"run {run.pk} {run.status}: {run.error}")
    return {
        "wall": wall,
        "cpu": cpu,
        "load": load,
        "skus": run.sku_count,
        "fbo": run.fbo_shipment_count,
        "timings": run.timings,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed-skus", type=int, default=0, help="Seed this many demo SKUs first.")
    parser.add_argument("--clusters", type=int, default=24)
    parser.add_argument("--repeat", type=int, default=2, help="Rounds; the lower CPU kept.")
    parser.add_argument("--markdown", type=Path, help="Also write the figures here.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("a throwaway PostgreSQL database, please (DATABASE_URL)")
    if args.seed_skus:
        t = time.perf_counter()
        call_command("seed_demo", skus=args.seed_skus, flush=True)
        print(f"seeded {args.seed_skus:,} SKUs in {time.perf_counter() - t:.0f} s")
    params = {"prefix": CLUSTER_PREFIX, "clusters": args.clusters}
    _execute(CLEAN_SQL, params)  # a run stopped half-way leaves its rows behind

    plain, clustered, rows = [], [], (0, 0)
    runs_done = 0
    for _ in range(args.repeat):
        plain.append(_timed_run())
        print(f"without clusters: {plain[-1]['wall']:.1f} s wall, {plain[-1]['cpu']:.1f} CPU s")
        t = time.perf_counter()
        _clusters_add(args.clusters)
        _execute(SEED_SQL, params)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE inventory_fbostockreport, planning_clusterdemand")
        rows = _counts()
        print(
            f"added {rows[0]:,} stock-report rows, {rows[1]:,} demand rows in "
            f"{time.perf_counter() - t:.0f} s"
        )
        try:
            clustered.append(_timed_run())
        finally:
            _execute(CLEAN_SQL, params)
        print(
            f"per cluster:      {clustered[-1]['wall']:.1f} s wall, "
            f"{clustered[-1]['cpu']:.1f} CPU s"
        )
        runs_done += 1

    a = min(plain, key=lambda r: r["cpu"])
    b = min(clustered, key=lambda r: r["cpu"])
    lines = [
        f"# Per-cluster FBO planning, whole nightly run on PostgreSQL ({a['skus']:,} SKUs)",
        "",
        f"`bench/fbo_clusters_db.py`: `plan_run` end to end, {runs_done} rounds alternated, the "
        f"lower CPU of each kept; per cluster: {args.clusters} clusters, {rows[0]:,} marketplace "
        f"stock-report rows, {rows[1]:,} cluster-demand rows (56 days).",
        "",
        "| run | wall s | CPU s (Python + PostgreSQL) | read s | engine s | write s | 1-min load | FBO suggestions |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in (("without clusters", a), (f"per cluster ({args.clusters})", b)):
        t = r["timings"]
        lines.append(
            f"| {name} | {r['wall']:.1f} | {r['cpu']:.1f} | {t['read']:.1f} | {t['engine']:.1f} "
            f"| {t['write']:.1f} | {r['load']:.1f} | {r['fbo']:,} |"
        )
    ratio = b["cpu"] / a["cpu"]
    lines += [
        "",
        f"Per-cluster planning costs **{ratio:.3f}×** the CPU seconds of the run without "
        f"clusters (goal ≤ 1.20; wall {b['wall'] / a['wall']:.3f}×).",
    ]
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
