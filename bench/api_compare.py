"""The scanner API benchmark of two versions of the code in one run, alternating.

    python bench/api_compare.py --before /tmp/zapas-before   # e.g. `git archive <commit>`

Each version gets its own throwaway PostgreSQL database seeded by its own code (the same
catalogue as ``bench/api_load.py``: 2,000 SKUs, 12,000 packed orders). Then, twice and in
turns, each version is measured in-process (CPU ms per request: a WSGI call loop timed with
``time.process_time()``) and under load (its own gunicorn, driven by ``wrk``): lookups through
the API and the bare view, hand-overs through the API (each round on orders not shipped yet).
The machine is shared, so the figures that matter are the ratios of the two versions measured
side by side. Writes ``bench/results/api_compare.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_load import (  # noqa: E402  (a script beside this one)
    ADMIN_URL,
    HANDOVERS_IN_PROCESS,
    ORDERS,
    PYTHON,
    ROOT,
    WAREHOUSE,
    admin_sql,
    combine,
    free_port,
    run_wrk,
    wait_for,
)


def environment(tree: Path, db: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + db,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BENCH_VIEWS": "true",
        # As in api_load.py: one device far above a scanner's pace, so the API's limits are off
        # (else the in-process loop meets 429s after 1,200 requests a minute).
        "ZAPAS_API_RATE_DEVICE": "",
        "ZAPAS_API_RATE_ADDRESS": "",
        "LOG_LEVEL": "ERROR",
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "PYTHONPATH": str(tree),
    }


def prepare(tree: Path, env: dict, work: Path) -> None:
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=tree, env=env, check=True
    )
    subprocess.run(
        [PYTHON, str(tree / "bench" / "api_load.py"), "_seed", str(work)],
        cwd=tree,
        env=env,
        check=True,
    )
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    orders = (work / "orders").read_text().split()
    usable = orders[: ORDERS - HANDOVERS_IN_PROCESS]  # the last ones are for the CPU loop
    half = len(usable) // 2
    (work / "orders-1").write_text("\n".join(usable[:half]) + "\n")
    (work / "orders-2").write_text("\n".join(usable[half:]) + "\n")


def cpu(tree: Path, env: dict, work: Path) -> dict:
    done = subprocess.run(
        [PYTHON, str(tree / "bench" / "api_load.py"), "_cpu", str(work)],
        cwd=tree,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def under_load(tree: Path, env: dict, work: Path, round_number: int, args) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=tree,
        env=env,
        stdout=open(work / "gunicorn.log", "a"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"{base}/api/v1/me/")
        wrk_env = {
            **os.environ,
            "BENCH_CODES": str(work / "barcodes"),
            "BENCH_ORDERS": str(work / f"orders-{round_number}"),
            "BENCH_TOKEN": (work / "token").read_text(),
            "BENCH_THREADS": "2",
        }
        api = {**wrk_env, "BENCH_PATH": "/api/v1/barcodes/%s/"}
        bare = {
            **wrk_env,
            "BENCH_PATH": f"/bench/bare-lookup/%s/?warehouse={WAREHOUSE}",
            "BENCH_TOKEN": "",
        }
        common = {"seconds": args.seconds, "connections": 2 * args.workers, "threads": 2}
        run_wrk("lookup.lua", base, api, seconds=2, connections=8, threads=2)  # warm up
        run_wrk("lookup.lua", base, bare, seconds=1, connections=8, threads=2)
        return {
            "lookup_api": run_wrk("lookup.lua", base, api, **common),
            "lookup_bare": run_wrk("lookup.lua", base, bare, **common),
            "handover_api": run_wrk("handover.lua", base, wrk_env, **common),
        }
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        try:
            gunicorn.wait(timeout=20)
        except subprocess.TimeoutExpired:
            gunicorn.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="The other version's tree.")
    parser.add_argument("--seconds", type=int, default=8, help="Duration of each scenario.")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--cpu-only", action="store_true", help="In-process figures only.")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not args.cpu_only and shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2
    versions = {"before": args.before.resolve(), "after": ROOT}
    setup = {}
    try:
        for name, tree in versions.items():
            db = f"zapas_bench_{name}_{os.getpid()}"
            work = Path(tempfile.mkdtemp(prefix=f"zapas-{name}-"))
            env = environment(tree, db)
            admin_sql(f'CREATE DATABASE "{db}"')
            setup[name] = (tree, env, work, db)
            print(f"== {name}: migrate and seed ({tree})", flush=True)
            prepare(tree, env, work)
        cpu_runs: dict[str, list[dict]] = {name: [] for name in versions}
        load_runs: dict[str, list[dict]] = {name: [] for name in versions}
        for round_number in (1, 2):
            order = list(versions) if round_number == 1 else list(reversed(versions))
            for name in order:
                tree, env, work, _ = setup[name]
                print(f"== round {round_number}: {name}", flush=True)
                cpu_runs[name].append(cpu(tree, env, work))
                if not args.cpu_only:
                    load_runs[name].append(under_load(tree, env, work, round_number, args))
    finally:
        for _tree, _env, work, db in setup.values():
            admin_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)
    report = render(versions, cpu_runs, load_runs, args)
    print(report)
    if not args.no_write:
        (ROOT / "bench" / "results" / "api_compare.md").write_text(report)
    return 0


def render(versions: dict, cpu_runs: dict, load_runs: dict, args) -> str:
    scenarios = ("lookup_api", "lookup_bare", "handover_api")
    labels = {
        "lookup_api": "barcode lookup, API",
        "lookup_bare": "barcode lookup, bare view",
        "handover_api": "hand-over, API write",
    }
    cpu = {
        name: {s: sum(r[s] for r in runs) / len(runs) for s in scenarios}
        for name, runs in cpu_runs.items()
    }
    lines = [
        "# Scanner API: two versions side by side",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs; before = "
        f"`{versions['before']}`, after = this tree. Two rounds, alternating (before, after, "
        "after, before); each figure combines both rounds. `python bench/api_compare.py "
        "--before DIR` to reproduce.",
        "",
        "| scenario | CPU ms/request in-process: before | after | after ÷ before |",
        "|---|---:|---:|---:|",
    ]
    for s in scenarios:
        b, a = cpu["before"][s], cpu["after"][s]
        lines.append(f"| {labels[s]} | {b:.2f} | {a:.2f} | {a / b:.2f} |")
    if all(load_runs.values()):
        load = {
            name: {s: combine([r[s] for r in runs]) for s in scenarios}
            for name, runs in load_runs.items()
        }
        lines += [
            "",
            f"Under load: gunicorn sync × {args.workers}, wrk 2 threads × {2 * args.workers} "
            f"connections, {args.seconds} s per scenario and round, DEBUG off, PostgreSQL.",
            "",
            "| scenario | before: requests/s | p99 ms | after: requests/s | p99 ms | errors | "
            "after ÷ before (requests/s) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for s in scenarios:
            b, a = load["before"][s], load["after"][s]
            lines.append(
                f"| {labels[s]} | {b['rps']:,.0f} | {b['p99_ms']:.1f} | {a['rps']:,.0f} | "
                f"{a['p99_ms']:.1f} | {b['errors']} / {a['errors']} | {a['rps'] / b['rps']:.2f} |"
            )
        a = load["after"]
        lines += [
            "",
            "Goals (after): hand-overs ≥ 300/s with p99 ≤ 100 ms "
            f"({'met' if a['handover_api']['rps'] >= 300 and a['handover_api']['p99_ms'] <= 100 else '**missed**'}),"
            f" lookups ≥ 1,000/s ({'met' if a['lookup_api']['rps'] >= 1000 else '**missed**'}).",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
