"""Benchmark: import the whole UCI Online Retail file (541,909 invoice lines).

    .venv/bin/python bench/import_sales.py [--file PATH] [--no-sqlite] [--no-postgres]
        [--postgres-url postgres://postgres@127.0.0.1:5432]

Each measurement runs in a fresh child process (so peak RSS is its own):
  parse     parse + aggregate only (no database)
  sqlite    end to end on a new SQLite file: first import (creating the SKUs), the same file
            again (unchanged), and a re-compressed copy of it (new sha256: every cell upserted)
  postgres  the same on a throwaway PostgreSQL database ``zapas_bench_import`` (created,
            migrated, dropped at the end)
Prints a table and writes it to bench/results/import.md. Wall time depends on what else runs on
the machine; CPU time (user + system of the process) is given too.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = Path("/work/shared/data/online_retail/online_retail.csv.gz")
BENCH_DB = "zapas_bench_import"
OPTIONS = {"upper_codes": True, "create_skus": True}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, path: Path) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from planning.sales_import import sales_import
    from planning.sales_parse import ImportOptions, sales_file_parse

    options = ImportOptions(**OPTIONS)
    if mode == "parse":
        wall, cpu = time.perf_counter(), _cpu()
        with path.open("rb") as file:
            parsed = sales_file_parse(file, options=options)
        return {
            "rows": parsed.rows_read,
            "cells": len(parsed.cells),
            "runs": [["parse + aggregate", time.perf_counter() - wall, _cpu() - cpu]],
            "peak_mb": _peak_mb(),
        }

    if os.environ.get("BENCH_SYNCDB"):
        # The app migrations do not apply on this database: build the schema from the models.
        from django.conf import settings

        settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
        call_command("migrate", run_syncdb=True, verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    runs = []
    copy = Path(tempfile.mkstemp(suffix=".csv.gz")[1])
    copy.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), compresslevel=6, mtime=0))
    try:
        for label, source in (
            ("first import", path),
            ("same file again", path),
            ("re-import, every cell upserted", copy),
        ):
            wall, cpu = time.perf_counter(), _cpu()
            with source.open("rb") as file:
                report = sales_import(file=file, file_name=source.name, options=options)
            runs.append(
                [
                    f"{label} ({report.status}, {report.cells_written:,} cells)",
                    time.perf_counter() - wall,
                    _cpu() - cpu,
                ]
            )
    finally:
        copy.unlink()
    return {
        "rows": report.rows_read,
        "cells": report.cells_written,
        "runs": runs,
        "peak_mb": _peak_mb(),
    }


def run_child(mode: str, path: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--file", str(path)],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"{mode} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _pg(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{url}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def run_postgres(path: Path, url: str) -> dict:
    env = {"DATABASE_URL": f"{url}/{BENCH_DB}"}
    _pg(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
    _pg(url, f"CREATE DATABASE {BENCH_DB}")
    try:
        try:
            return run_child("postgres", path, env)
        except RuntimeError as exc:
            if "migrat" not in str(exc).lower() and "already exists" not in str(exc):
                raise
            print("migrations failed on PostgreSQL; building the schema from the models")
            _pg(url, f"DROP DATABASE IF EXISTS {BENCH_DB}")
            _pg(url, f"CREATE DATABASE {BENCH_DB}")
            result = run_child("postgres", path, {**env, "BENCH_SYNCDB": "1"})
            result["note"] = "schema built from the models (migrate failed on this checkout)"
            return result
    finally:
        _pg(url, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--child")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.file)))
        return

    load = os.getloadavg()[0]
    results: list[tuple[str, dict]] = [("none (parse only)", run_child("parse", args.file, {}))]
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/bench.sqlite3"
            results.append(("SQLite", run_child("sqlite", args.file, {"DATABASE_URL": url})))
    if not args.no_postgres:
        results.append(("PostgreSQL", run_postgres(args.file, args.postgres_url)))

    rows = results[0][1]["rows"]
    lines = [
        f"# Sales import benchmark: {args.file.name}",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at the start; {rows:,} rows → {results[0][1]['cells']:,} (SKU, day) cells; "
        f"options {OPTIONS}. Produced by `bench/import_sales.py`.",
        "",
        "| database | run | wall s | rows/s (wall) | CPU s | rows/s (CPU) | peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for database, result in results:
        for label, wall, cpu in result["runs"]:
            lines.append(
                f"| {database} | {label} | {wall:.2f} | {rows / wall:,.0f} | {cpu:.2f} | "
                f"{rows / cpu:,.0f} | {result['peak_mb']:.0f} |"
            )
        if result.get("note"):
            lines.append(f"| {database} | note: {result['note']} | | | | | |")
    lines += [
        "",
        "Wall time counts waiting for a CPU: with a load average above the CPU count it mostly",
        "measures the other processes. CPU time is this process's own (the PostgreSQL server's",
        "work is not in it; SQLite's is). Goal: ≥ 100,000 rows/s end to end on PostgreSQL,",
        "peak RSS under 1 GB.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "bench" / "results" / "import.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
