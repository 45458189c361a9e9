"""The ``plan`` and ``backtest`` commands and the nightly schedule."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from config.celery import app
from inventory.tests.factories import (
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    stock_level,
)
from planning import runs, tasks
from planning.models import DemandHistory, PlanRun, SkuPlan
from planning.tests.factories import fake_plan_catalogue

PLAN_DATE = date(2026, 11, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    warehouse = WarehouseFactory()
    supplier = SupplierFactory(lead_time_mean_days=Decimal("10"))
    skus = []
    for code, per_day in (("fast", 6), ("slow", 1)):
        sku = SkuFactory(code=code)
        SupplierItemFactory(sku=sku, supplier=supplier)
        stock_level(sku=sku, warehouse=warehouse, on_hand=10)
        DemandHistory.objects.bulk_create(
            DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=d), units=per_day, orders=1)
            for d in range(1, 181)
        )
        skus.append(sku)
    return skus


def test_the_plan_command_plans_the_catalogue_and_reports(shop, monkeypatch):
    # given
    monkeypatch.setattr(runs, "_engine_plan", fake_plan_catalogue)
    out = io.StringIO()

    # when
    call_command("plan", "--date", "2026-11-20", stdout=out, stderr=io.StringIO())

    # then
    run = PlanRun.objects.get()
    assert (run.status, run.plan_date, run.triggered_by) == ("done", PLAN_DATE, "command")
    assert f"Plan 2026-11-20 (run {run.pk}): 2 SKUs, 2 reorder" in out.getvalue()


def test_the_plan_command_plans_some_skus(shop, monkeypatch):
    monkeypatch.setattr(runs, "_engine_plan", fake_plan_catalogue)
    call_command("plan", "--sku", "slow", stdout=io.StringIO(), stderr=io.StringIO())
    assert list(SkuPlan.objects.values_list("sku__code", flat=True)) == ["slow"]


def test_the_plan_command_fails_loudly(shop, monkeypatch):
    def broken(snapshot, params, calibration=None, **_):
        raise RuntimeError("boom")

    monkeypatch.setattr(runs, "_engine_plan", broken)
    with pytest.raises(CommandError, match="failed: RuntimeError: boom"):
        call_command("plan", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="Unknown or inactive SKU code"):
        call_command("plan", "--sku", "nope", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_nightly_run_is_scheduled_at_two_in_the_editable_beat_schedule():
    task = PeriodicTask.objects.get(name="Nightly planning run")
    assert task.task == "planning.tasks.plan_nightly" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == (
        "0",
        "2",
        "Europe/Moscow",
    )
    assert "planning.tasks.plan_nightly" in app.tasks


def test_the_nightly_task_plans_today_and_skips_when_a_run_is_going(shop, monkeypatch):
    # given
    monkeypatch.setattr(runs, "_engine_plan", fake_plan_catalogue)

    # when
    run_id = tasks.plan_nightly.delay("2026-11-20").get()

    # then
    run = PlanRun.objects.get(pk=run_id)
    assert (run.status, run.triggered_by) == ("done", "schedule")
    PlanRun.objects.create(plan_date=PLAN_DATE, status=PlanRun.Status.RUNNING)
    assert tasks.plan_nightly.delay("2026-11-20").get() is None


def test_the_backtest_compares_zapas_with_a_fixed_min_max(shop):
    # given: 180 days of steady demand
    out = io.StringIO()

    # when
    call_command("backtest", "--days", "60", "--date", "2026-11-20", stdout=out)

    # then
    text = out.getvalue()
    assert "Backtest of the 60 days to 2026-11-20: 2 SKUs, 420 units demanded." in text
    for label in ("fill rate", "stock-out days", "cancelled orders", "average inventory value"):
        assert label in text
    assert "Cancellations avoided:" in text


def test_the_backtest_needs_enough_history(shop):
    with pytest.raises(CommandError, match="Not enough history"):
        call_command("backtest", "--days", "170", "--date", "2026-11-20", stdout=io.StringIO())


def test_the_backtest_uses_the_configured_tariffs(shop, settings, monkeypatch):
    # given tariffs set where the README says (a dict under PLAN_PARAMS), which once crashed
    settings.ZAPAS = {
        **settings.ZAPAS,
        "PLAN_PARAMS": {"tariffs": {"fbo_supply_days": 7.0, "fbs_cancel_penalty": 300.0}},
    }
    from planning import backtest

    seen = []
    real = backtest.compare_policies

    def recording(snapshot, days, params, **kwargs):
        seen.append(params.tariffs)
        return real(snapshot, days, params, **kwargs)

    monkeypatch.setattr(backtest, "compare_policies", recording)
    out = io.StringIO()
    # when
    call_command("backtest", "--days", "60", "--date", "2026-11-20", stdout=out)
    # then the engine got them as Tariffs, the rest at their defaults
    assert "Backtest of the 60 days to 2026-11-20" in out.getvalue()
    assert [(t.fbo_supply_days, t.fbs_cancel_penalty, t.fbs_handling_per_order) for t in seen] == [
        (7.0, 300.0, 12.0)
    ]
