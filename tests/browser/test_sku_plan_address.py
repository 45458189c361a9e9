"""A SKU's plan address in headless Chromium: the link a planner keeps survives new runs, shows
the latest plan with the history of earlier runs, and an old per-run link still leads there."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from planning import runs
from planning.models import PlanRun, SkuPlan
from tests.browser.test_planner_buyer import _catalogue, _login, _member, _roles

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _history_rows(page) -> list[str]:
    return [" ".join(t.split()) for t in page.locator("#plan-history tbody tr").all_inner_texts()]


def test_a_kept_plan_link_survives_new_runs_and_shows_the_history(browser, live_server):
    # given yesterday's plan, and a planner who opened the runner's plan and kept the link
    _roles()
    today = timezone.localdate()
    first = _catalogue()  # plans today; re-plan it as yesterday's to have a history
    PlanRun.objects.filter(pk=first.pk).update(plan_date=today - timedelta(days=1))
    SkuPlan.objects.filter(run=first).update(plan_date=today - timedelta(days=1))
    _member("Planner", "planner")
    context, page = _login(browser, live_server, "planner")
    address = f"{live_server.url}{reverse('admin:planning_skuplan_sku', args=['RUN-42'])}"
    page.goto(address)
    expect(page.locator("#sku-plan-chart")).to_be_visible()
    expect(page.locator("#earlier-plan")).to_have_count(0)
    old_plan = SkuPlan.objects.get(run=first, sku__code="RUN-42")

    # when tonight's run plans today
    second = runs.plan_run(plan_date=today, triggered_by="browser test")
    assert second.status == PlanRun.Status.DONE, second.error
    # then the kept link shows today's plan, with yesterday's listed as an earlier run
    page.goto(address)
    assert page.url == address
    expect(page.locator("h1, #content h2").first).to_contain_text("RUN-42")
    page.locator("#plan-history summary").click()
    rows = _history_rows(page)
    assert len(rows) == 2, rows
    assert f"#{second.pk}" in rows[0] and "latest" in rows[0] and "shown" in rows[0]
    assert f"#{first.pk}" in rows[1] and "latest" not in rows[1]
    expect(page.locator("#earlier-plan")).to_have_count(0)

    # when the planner opens yesterday's plan from the history
    page.locator("#plan-history tbody tr").nth(1).get_by_role("link").click()
    # then it says it is not the latest, and leads back to the latest
    expect(page.locator("#earlier-plan")).to_be_visible()
    assert page.url.endswith(f"?run={first.pk}")
    page.locator("#earlier-plan").get_by_role("link").click()
    expect(page.locator("#earlier-plan")).to_have_count(0)
    assert page.url == address

    # when today is planned again (the re-run replaces the day's plans), the link still works
    third = runs.plan_run(plan_date=today, triggered_by="browser test")
    assert third.status == PlanRun.Status.DONE, third.error
    page.goto(address)
    page.locator("#plan-history summary").click()
    rows = _history_rows(page)
    assert f"#{third.pk}" in rows[0] and "latest" in rows[0], rows
    assert not any(f"#{second.pk}" in row for row in rows)

    # and an old per-run link (the address before stable links) lands on the SKU's address
    page.goto(f"{live_server.url}{reverse('admin:planning_skuplan_change', args=[old_plan.pk])}")
    expect(page.locator("#earlier-plan")).to_be_visible()
    assert re.search(rf"/RUN-42/\?run={first.pk}$", page.url), page.url
    page.wait_for_load_state("networkidle")
    context.close()
