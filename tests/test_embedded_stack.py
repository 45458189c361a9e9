"""`make run`'s stack for real: honcho starts the Procfile's web server, Celery worker and beat
on the embedded filesystem broker, beat's periodic deadline watch runs in the worker and is
recorded, and one SIGINT (Ctrl-C) stops all three.

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
