"""Load benchmark of the scanner API: barcode lookups and hand-over writes, side by side with a
bare Django view running the same lookup query. Not a test; run ``python bench/api_load.py``.

It does everything itself: creates a throwaway PostgreSQL database, migrates, seeds a catalogue
(2,000 SKUs with barcodes and stock, 12,000 packed orders), starts gunicorn with DEBUG off on a
free localhost port, drives it with ``wrk`` from a separate process, prints a table, writes
``bench/results/api.md``, then stops gunicorn and drops the database.

Needs PostgreSQL on 127.0.0.1:5432 (``DATABASE_ADMIN_URL`` to change) and ``wrk``
(``apt-get install wrk``). Goals on a 2-core machine: lookups ≥ 1,000/s with p99 ≤ 50 ms,
writes ≥ 300/s, API ÷ bare ≥ 0.6.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
SKUS = 2000
ORDERS = 12000
WAREHOUSE = "BENCH1"
HANDOVERS_IN_PROCESS = 520  # the last orders: measured in-process, out of wrk's reach


# --- seeding (runs in a child process with Django set up) -------------------------------------


def seed(out_dir: Path) -> None:
    """Catalogue, stock and packed orders, written in bulk but consistent with the ledger."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from core.models import ScannerDevice
    from core.services import scanner_device_issue_token
    from fulfilment.models import Order, OrderLine, OrderStatus
    from inventory.models import Barcode, MovementKind, Sku, StockLevel, StockMovement, Warehouse
    from inventory.tests.factories import ean13

    per_sku = ORDERS // SKUS
    on_hand = 100
    now = timezone.now()
    with transaction.atomic():
        warehouse = Warehouse.objects.create(code=WAREHOUSE, name="Bench warehouse")
        skus = Sku.objects.bulk_create(
            [Sku(code=f"B-{n:05d}", name=f"Bench item {n}") for n in range(SKUS)]
        )
        Barcode.objects.bulk_create(
            [
                Barcode(sku=sku, code=ean13(n, prefix="469"), symbology="ean13")
                for n, sku in enumerate(skus)
            ]
        )
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    sku=sku,
                    warehouse=warehouse,
                    kind=MovementKind.OPENING,
                    quantity=on_hand,
                    on_hand_after=on_hand,
                    reason="bench seed",
                )
                for sku in skus
            ]
        )
        StockLevel.objects.bulk_create(
            [
                StockLevel(sku=sku, warehouse=warehouse, on_hand=on_hand, reserved=per_sku)
                for sku in skus
            ]
        )
        orders = Order.objects.bulk_create(
            [
                Order(
                    channel="ozon",
                    external_number=f"BENCH-{n:06d}",
                    warehouse=warehouse,
                    status=OrderStatus.AWAITING_DELIVER,
                    accepted_at=now - timedelta(hours=2),
                    ship_by=now + timedelta(days=1, minutes=n % 600),
                    packed_at=now,
                )
                for n in range(per_sku * SKUS)
            ],
            batch_size=2000,
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    sku=skus[n % SKUS],
                    quantity=1,
                    reserved_quantity=1,
                    packed_quantity=1,
                )
                for n, order in enumerate(orders)
            ],
            batch_size=2000,
        )
        user = get_user_model().objects.create_user("bench-clerk", password=secrets.token_hex(8))
        device = ScannerDevice.objects.create(name="BENCH-TSD", warehouse=warehouse, user=user)
    token = scanner_device_issue_token(device=device)
    (out_dir / "token").write_text(token)
    (out_dir / "barcodes").write_text("\n".join(ean13(n, prefix="469") for n in range(SKUS)) + "\n")
    # Interleave SKUs so consecutive hand-overs touch different stock rows, as in real life.
    (out_dir / "orders").write_text("\n".join(o.external_number for o in orders) + "\n")


def ledger_check() -> None:
    """Print whether on hand equals the ledger for every stock row after the run."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.db.models import Sum

    from inventory.models import StockLevel, StockMovement

    sums = dict(
        StockMovement.objects.values("sku_id", "warehouse_id")
        .annotate(s=Sum("quantity"))
        .values_list("sku_id", "s")
    )
    bad = [lvl for lvl in StockLevel.objects.all() if sums.get(lvl.sku_id, 0) != lvl.on_hand]
    print(json.dumps({"rows": StockLevel.objects.count(), "mismatched": len(bad)}))


def cpu_per_request(out_dir: Path) -> None:
    """Print the CPU time one request costs in-process (no HTTP server, no client), JSON.

    Calls the WSGI application in a loop and reads ``time.process_time()``: unlike requests/s,
    this hardly depends on what else the machine is doing. Database CPU is not included.
    """
    import io

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    token = (out_dir / "token").read_text()
    codes = (out_dir / "barcodes").read_text().split()
    orders = (out_dir / "orders").read_text().split()[-HANDOVERS_IN_PROCESS:]  # wrk starts at 0

    def environ(method: str, path: str, query: str = "", headers: dict | None = None) -> dict:
        body = b"{}" if method == "POST" else b""
        env = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json",
        }
        env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()})
        return env

    auth = {"Authorization": f"Token {token}"}
    scenarios = {
        "lookup_api": [environ("GET", f"/api/v1/barcodes/{code}/", headers=auth) for code in codes],
        "lookup_bare": [
            environ("GET", f"/bench/bare-lookup/{code}/", f"warehouse={WAREHOUSE}")
            for code in codes
        ],
        "handover_api": [
            environ(
                "POST",
                f"/api/v1/orders/{number}/ship/",
                headers={**auth, "Idempotency-Key": f"cpu-{number}"},
            )
            for number in orders
        ],
    }
    statuses: set[str] = set()

    def start_response(status: str, headers: list, exc_info=None) -> None:
        statuses.add(status)

    for envs in scenarios.values():  # warm up: connections, URL resolver, caches
        for env in envs[:20]:
            b"".join(app({**env, "wsgi.input": io.BytesIO(b"{}")}, start_response))
    result = {}
    for name, envs in scenarios.items():
        envs = envs[20:]
        started = time.process_time()
        for env in envs:
            b"".join(app(env, start_response))
        result[name] = (time.process_time() - started) / len(envs) * 1000
    if statuses != {"200 OK"}:
        raise RuntimeError(f"unexpected responses: {statuses}")
    print(json.dumps(result))


# --- orchestration ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (401 is fine)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url}")


def cpu_seconds_by_role() -> dict[str, float]:
    """CPU seconds used so far by the gunicorn processes and the PostgreSQL server processes
    (every backend and helper), read from /proc; empty where there is no /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"django": 0.0, "postgres": 0.0}
    for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else []):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:3]
        except OSError:
            continue  # the process ended meanwhile
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        used = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        if any(b"gunicorn" in part for part in command):
            totals["django"] += used
        elif name.startswith("postgres"):
            totals["postgres"] += used
    return totals


def run_wrk(
    script: str, url: str, env: dict, *, seconds: int, connections: int, threads: int
) -> dict:
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(ROOT / "bench" / "wrk" / script),
        url,
    ]
    before, children = cpu_seconds_by_role(), resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    after, children_after = cpu_seconds_by_role(), resource.getrusage(resource.RUSAGE_CHILDREN)
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    data = json.loads(line[len("RESULT ") :])
    seconds_run = data["duration_us"] / 1e6
    errors = sum(v for k, v in data.items() if k.startswith("errors_"))
    per_request = 1000 / max(data["requests"], 1)
    wrk_cpu = (children_after.ru_utime + children_after.ru_stime) - (
        children.ru_utime + children.ru_stime
    )
    return {
        "rps": data["requests"] / seconds_run,
        "p50_ms": data["p50_us"] / 1000,
        "p99_ms": data["p99_us"] / 1000,
        "requests": data["requests"],
        "errors": errors,
        # Where the two cores went, in CPU ms per request, during this very run.
        "served_ms": {
            "django": (after["django"] - before["django"]) * per_request,
            "postgres": (after["postgres"] - before["postgres"]) * per_request,
            "wrk": wrk_cpu * per_request,
        },
    }


def prepare_database(db: str, env: dict, work: Path) -> None:
    print(f"== database {db}: migrate and seed {SKUS} SKUs, {ORDERS} packed orders")
    started = time.monotonic()
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    print(f"   migrated in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    subprocess.run([PYTHON, __file__, "_seed", str(work)], cwd=ROOT, env=env, check=True)
    print(f"   seeded in {time.monotonic() - started:.0f} s")
    # Bulk-loaded tables have no planner statistics until autovacuum gets round to them; without
    # them PostgreSQL walked all 12,000 open orders of the warehouse for every lookup (31 ms of
    # database CPU each: the main cause of the 38 lookups/s measured before). A live database
    # has statistics, so the benchmark gathers them too.
    import psycopg

    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def combine(runs: list[dict]) -> dict:
    """Several runs of one scenario as one: total requests over total time, mean percentiles."""
    seconds = sum(r["requests"] / r["rps"] for r in runs if r["rps"])
    requests = sum(r["requests"] for r in runs)
    return {
        "rps": requests / seconds if seconds else 0.0,
        "p50_ms": sum(r["p50_ms"] for r in runs) / len(runs),
        "p99_ms": sum(r["p99_ms"] for r in runs) / len(runs),
        "requests": requests,
        "errors": sum(r["errors"] for r in runs),
        "served_ms": {
            role: sum(r["served_ms"][role] * r["requests"] for r in runs) / max(requests, 1)
            for role in runs[0]["served_ms"]
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="Duration of each scenario.")
    parser.add_argument(
        "--workers", type=int, default=2 * (os.cpu_count() or 1) + 1, help="gunicorn workers."
    )
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker.")
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument(
        "--connections",
        type=int,
        help="wrk connections (default 2 × workers × threads: more only queue in the backlog, "
        "so latency would measure the queue rather than the service time).",
    )
    parser.add_argument("--no-write", action="store_true", help="Skip bench/results/api.md.")
    parser.add_argument(
        "--reuse-db", help="Use this already seeded database and keep it (debugging)."
    )
    args = parser.parse_args()
    if args.connections is None:
        args.connections = 2 * args.workers * args.threads
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)
        return 2

    db = args.reuse_db or f"zapas_bench_{os.getpid()}"
    work = (
        Path(f"/tmp/zapas-bench-{db}")
        if args.reuse_db
        else Path(tempfile.mkdtemp(prefix="zapas-bench-"))
    )
    work.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "DATABASE_URL": ADMIN_URL.rsplit("/", 1)[0] + "/" + db,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BENCH_VIEWS": "true",
        # wrk drives one device far above any scanner's pace: the API's limits are off.
        "ZAPAS_API_RATE_DEVICE": "",
        "ZAPAS_API_RATE_ADDRESS": "",
        "LOG_LEVEL": "ERROR",
        # A broker, as in production: work a write schedules with on_commit (the demand feed
        # refresh after a hand-over) is queued for a worker, not run inside the request as in
        # the eager mode used without a broker (that made each hand-over cost 35 instead of
        # 22 ms of CPU). The in-memory transport needs nothing installed; no worker consumes it.
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "PYTHONPATH": str(ROOT),
    }
    gunicorn = None
    fresh = not (args.reuse_db and (work / "token").exists())
    if fresh:
        admin_sql(f'CREATE DATABASE "{db}"')
    try:
        if fresh:
            prepare_database(db, env, work)
        print("== CPU per request, in-process (WSGI call loop, no server, no client)")
        measured = subprocess.run(
            [PYTHON, __file__, "_cpu", str(work)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        cpu_ms = json.loads(measured.stdout.strip().splitlines()[-1])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        print(f"== gunicorn on {base}: {args.workers} workers × {args.threads} threads, DEBUG off")
        gunicorn = subprocess.Popen(
            [
                str(Path(PYTHON).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                args.worker_class,
                "--threads",
                str(args.threads),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(work / "gunicorn.log", "w"),
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(f"{base}/api/v1/me/")
        except RuntimeError:
            print((work / "gunicorn.log").read_text()[-3000:], file=sys.stderr)
            raise
        token = (work / "token").read_text()
        wrk_env = {
            **os.environ,
            "BENCH_CODES": str(work / "barcodes"),
            "BENCH_ORDERS": str(work / "orders"),
            "BENCH_TOKEN": token,
            "BENCH_THREADS": "2",
        }
        common = {"seconds": args.seconds, "connections": args.connections, "threads": 2}
        api_path = "/api/v1/barcodes/%s/"
        bare_path = f"/bench/bare-lookup/%s/?warehouse={WAREHOUSE}"
        # Warm every worker's connections and caches first.
        run_wrk(
            "lookup.lua",
            base,
            {**wrk_env, "BENCH_PATH": api_path},
            seconds=3,
            connections=8,
            threads=2,
        )
        run_wrk(
            "lookup.lua",
            base,
            {**wrk_env, "BENCH_PATH": bare_path, "BENCH_TOKEN": ""},
            seconds=2,
            connections=8,
            threads=2,
        )
        results: dict = {"load_before": f"{os.getloadavg()[0]:.1f}", "cpu_ms": cpu_ms}
        # Two alternating rounds, so neither side profits from going second (warm caches,
        # a background job finishing); the table shows their combined figures.
        rounds: dict[str, list[dict]] = {"lookup_api": [], "lookup_bare": []}
        for round_number in (1, 2):
            print(f"== lookups through the API (round {round_number})")
            rounds["lookup_api"].append(
                run_wrk("lookup.lua", base, {**wrk_env, "BENCH_PATH": api_path}, **common)
            )
            print(f"== lookups through the bare view (round {round_number})")
            rounds["lookup_bare"].append(
                run_wrk(
                    "lookup.lua",
                    base,
                    {**wrk_env, "BENCH_PATH": bare_path, "BENCH_TOKEN": ""},
                    **common,
                )
            )
        for name, runs in rounds.items():
            results[name] = combine(runs)
        print("== hand-over writes through the API")
        results["handover_api"] = run_wrk("handover.lua", base, wrk_env, **common)
        check = subprocess.run(
            [PYTHON, __file__, "_ledger"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        ledger = json.loads(check.stdout.strip().splitlines()[-1])
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        time.sleep(0.5)
        if not args.reuse_db:
            admin_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            shutil.rmtree(work, ignore_errors=True)

    report = render(results, ledger, args)
    print(report)
    if not args.no_write:
        (ROOT / "bench" / "results" / "api.md").write_text(report)
    return 0


def render(results: dict, ledger: dict, args: argparse.Namespace) -> str:
    api, bare, write = results["lookup_api"], results["lookup_bare"], results["handover_api"]
    ratio = api["rps"] / bare["rps"] if bare["rps"] else 0.0

    cpu = results["cpu_ms"]

    def row(name: str, r: dict, key: str) -> str:
        served = r["served_ms"]
        return (
            f"| {name} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
            f"{r['requests']:,} | {r['errors']} | {cpu[key]:.1f} | {served['django']:.2f} | "
            f"{served['postgres']:.2f} | {served['wrk']:.2f} |"
        )

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    lines = [
        "# Scanner API load benchmark",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {os.cpu_count()} CPUs "
        f"({platform.processor() or platform.machine()}), Python {platform.python_version()}; "
        f"gunicorn {args.worker_class} {args.workers}×{args.threads}, DEBUG off, PostgreSQL; "
        f"wrk 2 threads × {args.connections} connections, {args.seconds} s per scenario "
        "(lookups: two alternating rounds each, combined), "
        "client and server on the same machine. `python bench/api_load.py` to reproduce.",
        "",
        f"Load average before the run: {results['load_before']}; after: {os.getloadavg()[0]:.1f} "
        "(other work on the machine competes for the same 2 cores and skews every figure).",
        "",
        "| scenario | requests/s | p50 ms | p99 ms | requests | errors | CPU ms/request "
        "in-process | under load: gunicorn | PostgreSQL | wrk |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("barcode lookup, API (token auth)", api, "lookup_api"),
        row("barcode lookup, bare Django view", bare, "lookup_bare"),
        row("hand-over (ship order), API write", write, "handover_api"),
        "",
        "CPU ms/request in-process: Django alone, measured before the run (a WSGI call loop "
        "timed with `time.process_time()`, so it hardly depends on the machine's load). Under "
        "load: CPU ms per request that the gunicorn processes (Django plus HTTP handling), the "
        "PostgreSQL server processes and wrk used during the run, read from /proc. With 2 "
        "cores, requests/s cannot exceed 2,000 ÷ (their sum + the kernel's share).",
        "",
        f"API ÷ bare (lookups/s): **{ratio:.2f}**",
        "",
        "Goals: lookups ≥ 1,000/s with p99 ≤ 50 ms "
        f"({verdict(api['rps'] >= 1000 and api['p99_ms'] <= 50)}), writes ≥ 300/s "
        f"({verdict(write['rps'] >= 300)}), ratio ≥ 0.6 ({verdict(ratio >= 0.6)}).",
        "",
        f"After the run on hand equals the ledger on {ledger['rows'] - ledger['mismatched']:,} of "
        f"{ledger['rows']:,} stock rows.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_seed":
        seed(Path(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_cpu":
        cpu_per_request(Path(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_ledger":
        ledger_check()
    else:
        sys.exit(main())
