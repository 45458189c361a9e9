"""The efficient frontier stored for the admin (planning.frontier_runs) and drawn there."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.errors import InvalidInput
from inventory.tests.factories import SkuFactory, SupplierFactory, SupplierItemFactory
from planning.frontier_runs import frontier_compute
from planning.models import DemandHistory
from planning.promise_audit import promise_audit_run
from planning.promise_models import FrontierResult
from planning.tests.admin_data import staff_member

pytestmark = pytest.mark.django_db

END = date(2026, 11, 30)


@pytest.fixture
def shop():
    supplier = SupplierFactory(code="ACME", lead_time_mean_days=Decimal("7"))
    for code, per_day in (("busy", 8), ("quiet", 1)):
        sku = SkuFactory(code=code, unit_cost=Decimal("100"))
        SupplierItemFactory(sku=sku, supplier=supplier, moq=1, pack_size=1)
        DemandHistory.objects.bulk_create(
            DemandHistory(sku=sku, date=END - timedelta(days=d), units=per_day + d % 3)
            for d in range(1, 121)
        )


def test_the_frontier_holds_both_policies_at_every_setting(shop):
    result = frontier_compute(days=28, plan_date=END, replan_days=28)

    assert (result.days, result.skus, result.plan_date) == (28, 2, END)
    policies = [p["policy"] for p in result.points]
    assert policies.count("zapas") == 7 and policies.count("naive_min_max") == 7
    assert policies.count("zapas_cancellations") == 7
    assert all(0 <= p["fill_rate"] <= 1 for p in result.points)
    zapas = sorted((p for p in result.points if p["policy"] == "zapas"), key=lambda p: p["setting"])
    # more service means more stock held
    assert zapas[-1]["avg_inventory_value"] > zapas[0]["avg_inventory_value"]
    # min/max read against both Zapas curves
    readings = [(r["policy"], r["multiplier"]) for r in result.at_equal_stock]
    assert len(readings) == 14 and len(set(readings)) == 14
    assert {p for p, _ in readings} == {"zapas", "zapas_cancellations"}
    # with the orders each placed (min/max's from its own replay)
    by_setting = {p["setting"]: p for p in result.points if p["policy"] == "naive_min_max"}
    assert all(r["min_max_orders"] == by_setting[r["multiplier"]]["orders"] for r in result.at_equal_stock)  # fmt: skip
    assert by_setting[0.5]["orders"] > 0 and all("zapas_orders" in r for r in result.at_equal_stock)
    # the spread keeps each target's stock value (the plan's reorder points, priced alike)
    spread = sorted(
        (p for p in result.points if p["policy"] == "zapas_cancellations"),
        key=lambda p: p["setting"],
    )
    assert [p["setting"] for p in spread] == [p["setting"] for p in zapas]


def test_the_audit_page_reads_both_zapas_curves_at_min_max_stock():
    from planning.admin_audit import frontier_rows

    stored = FrontierResult(
        plan_date=END,
        days=91,
        skus=2,
        at_equal_stock=[
            {"multiplier": 2.0, "zapas_cancelled": 30.0, "min_max_cancelled": 120.0},
            {"policy": "zapas_cancellations", "multiplier": 2.0, "zapas_cancelled": 18.0,
             "min_max_cancelled": 120.0},
            {"policy": "zapas", "multiplier": 4.0, "zapas_cancelled": None,
             "min_max_cancelled": 50.0},
        ],
    )  # fmt: skip

    rows = frontier_rows(stored)

    assert [r["share"] for r in rows] == [0.25, 0.15, None]
    assert rows[0]["policy_label"] == "every SKU at its target"  # stored before the spread
    assert rows[1]["policy_label"] == "stock spread for the fewest cancellations"
    assert frontier_rows(None) == []


def test_too_short_a_history_is_refused_and_nothing_is_stored(shop):
    with pytest.raises(InvalidInput) as error:
        frontier_compute(days=100, plan_date=END)

    assert error.value.code == "history_too_short"
    assert FrontierResult.objects.count() == 0


def test_the_command_stores_it_and_the_audit_page_draws_it(shop, client):
    out = io.StringIO()
    call_command("plan_frontier", "--days", "28", "--date", "2026-11-30", stdout=out)
    audit = promise_audit_run(audit_date=END)
    client.force_login(staff_member("Planner", "planner"))

    page = client.get(reverse("admin:planning_promiseaudit_change", args=[audit.pk]))
    chart = client.get(reverse("admin:planning_promiseaudit_frontier", args=["svg"]))

    assert "stored" in out.getvalue() and "naive_min_max" in out.getvalue()
    assert 'id="chart-frontier"' in page.content.decode()
    assert page.context["frontier"] == FrontierResult.objects.get()
    assert chart.status_code == 200 and chart.content.startswith(b"<?xml")
    assert b"fewest cancellations" in chart.content  # the spread's curve is drawn
    assert "stock spread for the fewest cancellations" in page.content.decode()
    assert "min/max orders placed" in page.content.decode()


def test_the_nightly_task_is_scheduled_at_four_after_the_plan():
    from celery import current_app
    from django_celery_beat.models import PeriodicTask

    import planning.tasks  # noqa: F401  (registers the task)

    task = PeriodicTask.objects.select_related("crontab").get(name="Nightly efficient frontier")

    assert task.task == "planning.frontier_nightly" and task.enabled
    assert (task.crontab.minute, task.crontab.hour) == ("0", "4")
    assert "planning.frontier_nightly" in current_app.tasks


def test_the_nightly_task_stores_a_frontier_and_keeps_the_newest(shop, settings):
    from planning.tasks import frontier_nightly

    settings.ZAPAS = {**settings.ZAPAS, "FRONTIER_KEEP": 2}
    old = [
        FrontierResult.objects.create(plan_date=END - timedelta(days=k), days=91, skus=2)
        for k in (3, 2)
    ]

    pk = frontier_nightly.delay(plan_date=END.isoformat()).get()

    kept = list(FrontierResult.objects.values_list("pk", flat=True))
    assert kept == [pk, old[1].pk]  # the newest first; the oldest went
    stored = FrontierResult.objects.get(pk=pk)
    assert (stored.plan_date, stored.days, stored.skus) == (END, 91, 2)
    assert len(stored.points) == 21


def test_the_nightly_task_skips_a_short_history_without_failing(shop):
    from planning.tasks import frontier_nightly

    assert frontier_nightly.delay(plan_date=(END - timedelta(days=40)).isoformat()).get() is None
    assert FrontierResult.objects.count() == 0
