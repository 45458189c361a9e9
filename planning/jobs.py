"""The planning run as a job people can start now from the admin (``core.jobs``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from core.jobs import Progress
from core.models import JobRun
from planning import runs
from planning.snapshot import catalogue_sku_ids


def plan_job(progress: Progress, run: JobRun) -> dict[str, Any]:
    """Plan the whole catalogue for today in this process, SKU progress after each chunk."""
    total = int(catalogue_sku_ids(sku_codes=None).size)
    done = 0
    progress(0, total, "")

    def advance(skus: int) -> None:
        nonlocal done
        done += skus
        progress(done, total, "")

    who = run.started_by.get_username() if run.started_by else run.trigger
    plan = runs.plan_run(progress=advance, triggered_by=f"admin:{who}"[:64])
    if plan.status != plan.Status.DONE:
        raise RuntimeError(plan.error or plan.get_status_display())
    return {
        "plan_run": plan.pk,
        "plan_date": plan.plan_date.isoformat(),
        "skus": plan.sku_count,
        "reorder_suggestions": plan.reorder_count,
        "fbo_shipment_suggestions": plan.fbo_shipment_count,
        "scheme_suggestions": plan.scheme_change_count,
        "at_risk": plan.at_risk_count,
    }


def plan_job_result_url(result: dict[str, Any]) -> str | None:
    if "plan_run" not in result:
        return None
    return reverse("admin:planning_planrun_change", args=[result["plan_run"]])
