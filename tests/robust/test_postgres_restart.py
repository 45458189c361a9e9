"""PostgreSQL restarted under a write load (issue 14, standing tests).

A PostgreSQL cluster of the test's own (initdb in a temporary directory, its own port, so the
shared server and the other tests are never touched) serves a real Django server process; four
clients post receipts while the cluster is restarted twice. Every answer must be either a
success that was committed or a JSON error (code, message) with nothing committed: afterwards
the stock on hand is exactly the opening stock plus one unit per success, the ledger holds one
receipt per success, and ``check_stock`` finds no drift.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not BIN, reason="needs PostgreSQL's server binaries (initdb, pg_ctl)"),
]

SETUP = """
from inventory.tests.factories import SkuFactory, WarehouseFactory, purchase_order, stock_level
from tests.factories import ScannerDeviceFactory
warehouse = WarehouseFactory(code="MSK1")
sku = SkuFactory(code="MUG-1", barcode="4600000000015")
stock_level(sku=sku, warehouse=warehouse, on_hand=10)
po = purchase_order(lines=[(sku, 100000)], warehouse=warehouse)
print(json.dumps({"po": po.number, "token": ScannerDeviceFactory(warehouse=warehouse).token}))
"""

FINAL = """
from inventory.models import StockLevel, StockMovement
level = StockLevel.objects.get(sku__code="MUG-1", warehouse__code="MSK1")
print(json.dumps({"on_hand": level.on_hand,
                  "receipts": StockMovement.objects.filter(kind="receipt").count()}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(*command: str) -> list[str]:
    # initdb refuses to run as root; the CI runs as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else list(command)


@pytest.fixture
def cluster(tmp_path_factory):
    """A PostgreSQL cluster of this test's own: (pg_ctl command prefix, database URL)."""
    if os.geteuid() == 0 and not shutil.which("runuser"):
        pytest.skip("running as root without runuser")
    base = Path(f"/tmp/zapas-pg-{uuid.uuid4().hex[:8]}")
    base.mkdir(mode=0o755)
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres(f"{BIN[-1]}/initdb", "-D", str(data), "-U", "postgres", "-A", "trust"),
        check=True,
        capture_output=True,
    )
    ctl = _as_postgres(f"{BIN[-1]}/pg_ctl", "-D", str(data), "-w", "-l", str(base / "log"))
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*ctl, "-o", options, "start"], check=True, capture_output=True)
    url = f"postgres://postgres@127.0.0.1:{port}/postgres"
    try:
        yield ctl, options, url
    finally:
        subprocess.run([*ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def _env(url: str) -> dict[str, str]:
    """A production-like server (DEBUG off: errors are what a user would get) on plain HTTP."""
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECRET_KEY": "restart-test-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


def _manage(url: str, *args: str, code: str | None = None) -> str:
    env = _env(url)
    command = [sys.executable, "manage.py", *args]
    if code is not None:
        command += ["-c", "import json\n" + code]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"manage.py {args[0]}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done.stdout


def test_every_answer_during_a_restart_is_committed_or_a_json_error(cluster, tmp_path):
    ctl, options, url = cluster
    log = (tmp_path / "server.log").open("w")  # the server's own traceback, if a test fails
    _manage(url, "migrate", "--no-input")
    seeded = json.loads(_manage(url, "shell", code=SETUP).strip().splitlines()[-1])
    port = _free_port()
    env = _env(url)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    answers: list[tuple[int, dict | None]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def post_receipts() -> None:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            headers={"Authorization": f"Token {seeded['token']}"},
            timeout=30,
        ) as client:
            while not stop.is_set():
                try:
                    response = client.post(
                        "/api/v1/receipts/",
                        json={"purchase_order": seeded["po"], "barcode": "4600000000015"},
                    )
                except httpx.TransportError:
                    time.sleep(0.05)  # no answer at all: the request may or may not have run
                    answers.append((0, None))
                    continue
                try:
                    body = response.json()
                except ValueError:
                    body = None  # not JSON: the assertion below names it
                with lock:
                    answers.append((response.status_code, body))

    try:
        for _ in range(100):  # the server is up when it answers
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/v1/me/", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        clients = [threading.Thread(target=post_receipts) for _ in range(4)]
        for thread in clients:
            thread.start()
        for _ in range(2):
            time.sleep(1.5)
            subprocess.run(
                [*ctl, "-o", options, "-m", "fast", "restart"], check=True, capture_output=True
            )
        time.sleep(1.5)
        stop.set()
        for thread in clients:
            thread.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    assert not [a for a in answers if a[0] == 0], "the server stopped answering"
    successes = [a for a in answers if 200 <= a[0] < 300]
    errors = [a for a in answers if a[0] >= 300]
    # Every error is the API's JSON error, and what it says is retryable.
    assert all(body and {"code", "message"} <= set(body) for _, body in errors), errors[:3]
    assert successes and errors, (len(successes), len(errors))  # the restart was felt
    final = json.loads(_manage(url, "shell", code=FINAL).strip().splitlines()[-1])
    assert final == {"on_hand": 10 + len(successes), "receipts": len(successes)}
    _manage(url, "check_stock")
