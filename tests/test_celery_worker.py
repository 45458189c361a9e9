"""The planning run through a real Celery worker process on the Redis broker.

The chunks travel as a ``chord`` over Redis to a worker started here in a subprocess
(``celery -A config worker --pool=solo``), which plans them against the same test database;
the chord callback finalises the run. Needs PostgreSQL (the worker is another process, so an
in-memory SQLite test database is out of its reach) and Redis on 127.0.0.1:6379; skipped
otherwise.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from inventory.tests.factories import (
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    stock_level,
)
from planning import tasks
from planning.models import DemandHistory, PlanRun, SkuPlan

REDIS = ("127.0.0.1", 6379)
BROKER = "redis://127.0.0.1:6379/14"
ROOT = Path(__file__).resolve().parent.parent
PLAN_DATE = date(2026, 11, 20)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.skipif(not _redis_answers(), reason="no Redis answers on 127.0.0.1:6379"),
]


@pytest.fixture
def celery_over_redis():
    """Point the Celery app at Redis on a private queue; a worker subprocess serves it."""
    from config.celery import app

    queue = f"zapas-test-{uuid.uuid4().hex[:8]}"
    saved = {
        key: app.conf.get(key)
        for key in ("broker_url", "result_backend", "task_always_eager", "task_default_queue")
    }
    app.conf.update(
        broker_url=BROKER,
        result_backend=BROKER,
        task_always_eager=False,
        task_default_queue=queue,
    )
    _reset_connections(app)
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_TASK_DEFAULT_QUEUE": queue,  # the chord callback is sent from the worker
    }
    if db.get("PASSWORD"):
        env["DATABASE_URL"] = env["DATABASE_URL"].replace(
            f"{db['USER']}@", f"{db['USER']}:{db['PASSWORD']}@"
        )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-c",
            "1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        app.conf.update(saved)
        _reset_connections(app)
        _forget_queue(queue)


def _forget_queue(queue: str) -> None:
    """Drop the private queue's routing keys from Redis (results expire on their own)."""
    import redis

    client = redis.Redis.from_url(BROKER)
    client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    client.close()


def _reset_connections(app) -> None:
    # The app caches its result backend and broker pools; drop them so the new URLs apply.
    if hasattr(app._local, "backend"):
        del app._local.backend
    app.__dict__.pop("amqp", None)  # queues and router are computed from the config once
    app._pool = None


def _wait_until_finished(run: PlanRun, worker: subprocess.Popen, seconds: float) -> PlanRun:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status != PlanRun.Status.RUNNING:
            return run
        if worker.poll() is not None:
            pytest.fail("The worker exited:\n" + (worker.stdout.read() if worker.stdout else ""))
        time.sleep(0.2)
    worker.terminate()
    output = worker.communicate(timeout=15)[0]
    pytest.fail(f"The run did not finish within {seconds} s. Worker output:\n{output}")


@pytest.mark.django_db(transaction=True)
def test_a_chunked_run_is_planned_by_a_worker_process_and_finalised_by_the_chord(
    celery_over_redis,
):
    # given: six SKUs, two selling, committed so the worker can read them
    warehouse = WarehouseFactory()
    supplier = SupplierFactory(lead_time_mean_days=Decimal("7"))
    for k in range(6):
        sku = SkuFactory(barcode=False)
        SupplierItemFactory(sku=sku, supplier=supplier)
        stock_level(sku=sku, warehouse=warehouse, on_hand=3)
        if k < 2:
            DemandHistory.objects.bulk_create(
                DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=d), units=4, orders=4)
                for d in range(1, 57)
            )

    # when: three chunks of two SKUs go to the worker
    run = tasks.plan_run_dispatch(plan_date=PLAN_DATE, chunk_size=2)
    assert run.status == PlanRun.Status.RUNNING
    assert run.task_id

    # then
    run = _wait_until_finished(run, celery_over_redis, seconds=90)
    assert run.status == PlanRun.Status.DONE, run.error
    assert (run.chunk_count, run.chunks_done, run.sku_count) == (3, 3, 6)
    assert SkuPlan.objects.filter(run=run).count() == 6
    assert run.reorder_count == 2
    assert set(run.timings) == {"read", "engine", "write", "finalise"}
