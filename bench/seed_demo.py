"""Benchmark: ``manage.py seed_demo --skus 100000`` on a throwaway PostgreSQL database.

    .venv/bin/python bench/seed_demo.py [--skus 100000] [--no-orders]
        [--postgres-url postgres://postgres@127.0.0.1:5432]

Creates ``zapas_bench_seed``, migrates it, times the seed in a child process (wall time, the
command's own stage times, peak RSS), prints a table, writes ``bench/results/seed.md`` and
drops the database. Goal: 100,000 SKUs (two years of daily demand, ~42 M rows) in under 3
minutes. Run it on a quiet machine: COPY and the index builds use both cores.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "zapas_bench_seed"
GOAL_SECONDS = 180


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def main() -> int:
    import psycopg

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--no-orders", action="store_true")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    env = {**os.environ, "DATABASE_URL": f"{args.postgres_url}/{BENCH_DB}"}
    env.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    manage = [sys.executable, str(ROOT / "manage.py")]
    load_before = os.getloadavg()[0]
    _admin(args.postgres_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    _admin(args.postgres_url, f"CREATE DATABASE {BENCH_DB}")
    try:
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        command = [*manage, "seed_demo", "--skus", str(args.skus)]
        if args.no_orders:
            command.append("--no-orders")
        started = time.perf_counter()
        done = subprocess.run(
            command, env=env, check=True, cwd=ROOT, capture_output=True, text=True
        )
        wall = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with psycopg.connect(f"{args.postgres_url}/{BENCH_DB}") as conn:
            rows = conn.execute("SELECT count(*) FROM planning_demandhistory").fetchone()[0]
            size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            size = size.fetchone()[0]
    finally:
        _admin(args.postgres_url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")

    stages = re.search(r"time: [\d.]+s \((.*)\)", done.stdout)
    verdict = "met" if wall < GOAL_SECONDS else "**missed**"
    report = "\n".join(
        [
            f"# Demo catalogue: `seed_demo --skus {args.skus:,}`"
            + (" --no-orders" if args.no_orders else ""),
            "",
            f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, PostgreSQL, load "
            f"average {load_before:.1f} at the start. Produced by `bench/seed_demo.py`.",
            "",
            "| SKUs | demand rows | database size | wall s | stages | peak RSS MB |",
            "|---:|---:|---:|---:|---|---:|",
            f"| {args.skus:,} | {rows:,} | {size} | **{wall:.1f}** | "
            f"{stages.group(1) if stages else '—'} | {peak_mb:,.0f} |",
            "",
            f"Goal: under {GOAL_SECONDS} s for 100,000 SKUs ({verdict}). Wall time includes "
            "starting Django; the stage times are the command's own.",
            "",
        ]
    )
    print(report)
    (ROOT / "bench" / "results" / "seed.md").write_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
