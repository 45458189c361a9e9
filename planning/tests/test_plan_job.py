"""The planning run started from the admin's "Run now": the run says who started it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.models import JobRun
from inventory.tests.factories import SkuFactory, StaffUserFactory, WarehouseFactory, stock_level
from planning.models import PlanRun

pytestmark = pytest.mark.django_db


def test_run_the_plan_now_from_the_admin(client, django_capture_on_commit_callbacks):
    warehouse = WarehouseFactory(code="MSK")
    for code in ("A-1", "B-2"):
        stock_level(
            sku=SkuFactory(code=code, unit_cost=Decimal("10")), warehouse=warehouse, on_hand=5
        )
    client.force_login(StaffUserFactory(username="planner-olga"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:core_jobrun_start", args=["plan"]))
    job = JobRun.objects.get(job="plan")
    plan = PlanRun.objects.get()
    assert (job.status, job.progress_done, job.progress_total) == ("done", 2, 2)
    assert plan.triggered_by == "admin:planner-olga" and plan.status == PlanRun.Status.DONE
    assert job.result["plan_run"] == plan.pk and job.result["skus"] == 2
    status = client.get(reverse("admin:core_jobrun_status", args=[job.pk])).json()
    assert status["result_url"] == reverse("admin:planning_planrun_change", args=[plan.pk])
