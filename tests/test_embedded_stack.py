"""`make run`'s stack for real: honcho starts the Procfile's web server, Celery worker and beat
on the embedded filesystem broker, beat's periodic deadline watch runs in the worker and is
recorded, an order whose ship-by time passes while nobody acts turns from due soon to overdue
on its own, and one SIGINT (Ctrl-C) stops all three.

It migrates its own SQLite file (the test database is in memory, out of other processes' reach)
and shortens the watch's interval to two seconds.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: Run in its own process while the stack runs: an open FBS order, fully reserved, that must be
#: handed over within ``SHIP_IN`` seconds (so it is due soon at intake).
ORDER_SCRIPT = """
from datetime import timedelta
from django.utils import timezone
from fulfilment.tests.factories import order
from inventory.tests.factories import SkuFactory, WarehouseFactory, stock_level
warehouse = WarehouseFactory(code="EMB")
sku = SkuFactory(code="EMB-1")
stock_level(sku=sku, warehouse=warehouse, on_hand=3)
placed = order(warehouse=warehouse, lines=[(sku, 1)], number="0000001-0001-1",
               ship_by=timezone.now() + timedelta(seconds=%(ship_in)d))
print(placed.pk, placed.watch_state, placed.ship_by.isoformat())
"""
SHIP_IN = 8


def _order_watch(db: Path, order_id: int) -> tuple[str, str | None]:
    with sqlite3.connect(db, timeout=5) as conn:
        return conn.execute(
            "SELECT watch_state, watch_checked_at FROM fulfilment_order WHERE id = ?", (order_id,)
        ).fetchone()


def _scheduled_watch_runs(db: Path) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute(
                "SELECT status, trigger FROM core_jobrun WHERE job = 'deadline_watch'"
            ).fetchall()
    except sqlite3.OperationalError:
        return []


@pytest.mark.skipif(not (BIN / "honcho").exists(), reason="honcho is not installed")
def test_procfile_stack_runs_the_periodic_watch_and_stops_on_one_ctrl_c(tmp_path):
    db = tmp_path / "db.sqlite3"
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "DJANGO_", "PYTEST_"))
    }
    env.update(
        PATH=f"{BIN}:{env.get('PATH', '')}",
        DATABASE_URL=f"sqlite:///{db}",
        ZAPAS_EMBEDDED_BROKER="true",
        ZAPAS_CELERY_DIR=str(tmp_path / "celery"),
        ZAPAS_DEADLINE_WATCH_SECONDS="2",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        CELERY_CONCURRENCY="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    stack = subprocess.Popen(
        [str(BIN / "honcho"), "start"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        runs: list[tuple[str, str]] = []
        while time.monotonic() < deadline and not any(r == ("done", "schedule") for r in runs):
            time.sleep(1)
            assert stack.poll() is None, "the stack stopped by itself"
            runs = _scheduled_watch_runs(db)
        assert ("done", "schedule") in runs, "beat's deadline watch never ran in the worker"
        # when an order comes in that must ship in a few seconds, and nobody touches it
        placed = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", ORDER_SCRIPT % {"ship_in": SHIP_IN}],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        order_id, state_at_intake, ship_by = int(placed[-3]), placed[-2], placed[-1]
        assert state_at_intake == "due_soon"
        # then beat's watch turns it overdue on its own once its ship-by time has passed
        deadline = time.monotonic() + SHIP_IN + 60
        state, checked = _order_watch(db, order_id)
        while time.monotonic() < deadline and state != "overdue":
            time.sleep(1)
            assert stack.poll() is None, "the stack stopped by itself"
            state, checked = _order_watch(db, order_id)
        assert state == "overdue", f"still {state} (ship by {ship_by}, last watched {checked})"
        assert checked is not None and checked.replace(" ", "T") >= ship_by[:19]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/admin/login/", timeout=10) as page:
            assert page.status == 200
            assert b"Zapas" in page.read()
    finally:
        stack.send_signal(signal.SIGINT)  # what Ctrl-C sends honcho
        try:
            output, _ = stack.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            output, _ = stack.communicate()
            pytest.fail("honcho did not stop on SIGINT:\n" + output[-3000:])
    for process in ("web.1", "worker.1", "beat.1"):
        assert f"{process} stopped" in output, output[-3000:]
