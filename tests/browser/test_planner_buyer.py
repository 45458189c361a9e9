"""Planner and buyer admin end to end in headless Chromium.

A tiny catalogue is planned by the real planning service; a planner opens At risk and a SKU's
chart (the image must load), a buyer approves a reorder suggestion and finds the draft
purchase order.  Screenshots go to ``$BROWSER_SCREENSHOTS_DIR`` when set (for people to look
at), otherwise to the test's temporary folder.
"""

from __future__ import annotations

import importlib
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import PurchaseOrder
from inventory.tests.factories import (
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    UserFactory,
    WarehouseFactory,
    stock_level,
)
from planning import runs
from planning.models import DemandHistory, PlanRun, ReorderSuggestion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw"


def _roles() -> None:
    """The role groups, as the data migration makes them (a transactional test may have
    flushed the database since the migrations ran)."""
    migration = importlib.import_module("planning.migrations.0005_roles")

    class _Editor:
        connection = connection

    migration.create_roles(django_apps, _Editor())


def _member(group: str, username: str):
    from django.contrib.auth.models import Group

    user = UserFactory(username=username, is_staff=True)
    user.set_password(PASSWORD)  # a real login through the form needs a known password
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=group))
    return user


def _catalogue() -> PlanRun:
    """Three SKUs from one supplier; the runner is nearly out of stock."""
    today = timezone.localdate()
    warehouse = WarehouseFactory(code="MSK")
    supplier = SupplierFactory(code="ALFA", name="Alfa Trading", lead_time_mean_days=Decimal("10"))
    demand = {"RUN-42": (6, 3), "WALK-40": (2, 200), "SLIP-38": (1, 90)}  # units/day, on hand
    history = []
    for code, (per_day, on_hand) in demand.items():
        sku = SkuFactory(
            code=code,
            name=f"{code.split('-')[0].title()} shoe, size {code.split('-')[1]}",
            unit_cost=Decimal("1200"),
            sale_price=Decimal("3000"),
        )
        SupplierItemFactory(sku=sku, supplier=supplier, unit_cost=Decimal("1200"))
        stock_level(sku=sku, warehouse=warehouse, on_hand=on_hand)
        for back in range(1, 121):
            day = today - timedelta(days=back)
            units = per_day + (per_day if day.weekday() == 5 else 0) - (back % 3 == 0)
            history.append(DemandHistory(sku=sku, date=day, units=max(units, 0)))
    DemandHistory.objects.bulk_create(history)
    return runs.plan_run(plan_date=today, triggered_by="browser test")


def _login(browser, live_server, username: str):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#planning-dashboard")).to_be_visible()
    return context, page


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("BROWSER_SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_planner_opens_at_risk_and_a_sku_chart(browser, live_server, shots):
    # given a planned catalogue and a planner
    _roles()
    run = _catalogue()
    assert run.status == PlanRun.Status.DONE, run.error
    _member("Planner", "planner")
    context, page = _login(browser, live_server, "planner")
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    # when the planner follows the dashboard to At risk
    page.click("#dash-at-risk a")
    expect(page.locator("#result_list")).to_be_visible()
    page.screenshot(path=str(shots / "at_risk.png"), full_page=True)
    # then the nearly-sold-out runner leads the list
    expect(page.locator("#result_list tbody tr").first).to_contain_text("RUN-42")

    # when they open its plan
    page.locator("#result_list tbody tr").first.get_by_role("link", name="RUN-42").click()
    chart = page.locator("#sku-plan-chart")
    expect(chart).to_be_visible()
    page.wait_for_function("document.getElementById('sku-plan-chart').complete")
    # then the chart image has loaded and the figures are listed under it
    assert page.evaluate("document.getElementById('sku-plan-chart').naturalWidth") > 0
    expect(page.locator(".plan-figures")).to_contain_text("Reorder point")
    expect(page.locator("#projection-table tbody tr").first).to_be_visible()
    page.screenshot(path=str(shots / "sku_chart.png"), full_page=True)
    # Let the last requests finish: closing mid-request trips the live server's SQLite
    # connection sharing (a warning from the server thread).
    page.wait_for_load_state("networkidle")
    context.close()


def test_buyer_approves_a_suggestion_and_finds_the_draft_purchase_order(
    browser, live_server, shots
):
    # given a planned catalogue with a reorder suggestion for the runner, and a buyer
    _roles()
    run = _catalogue()
    suggestion = ReorderSuggestion.objects.get(run=run, sku__code="RUN-42")
    _member("Buyer", "buyer")
    context, page = _login(browser, live_server, "buyer")

    # when the buyer opens the waiting suggestions, selects the runner's and approves it
    page.click("#dash-reorders a")
    expect(page.locator("#suggestion-groups")).to_contain_text("ALFA")
    page.screenshot(path=str(shots / "suggestions.png"), full_page=True)
    page.check(f"input[name=_selected_action][value='{suggestion.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")

    # then the message links the new draft purchase order, which opens
    message = page.locator(".messagelist .success")
    expect(message).to_contain_text("1 draft purchase order created")
    po = PurchaseOrder.objects.get(suggestions=suggestion)
    assert po.status == PurchaseOrder.Status.DRAFT
    message.get_by_role("link", name=po.number).click()
    expect(page.locator("#content")).to_contain_text(po.number)
    expect(page.locator("#content")).to_contain_text("RUN-42")
    page.screenshot(path=str(shots / "draft_po.png"), full_page=True)
    # Let the last requests finish: closing mid-request trips the live server's SQLite
    # connection sharing (a warning from the server thread).
    page.wait_for_load_state("networkidle")
    context.close()
