"""The SKU plan page: one stable address per SKU with the history of its runs, old per-run
links redirected, every inventory position shown, the stock-out date and the day table in
agreement, engine codes as words."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    stock_level,
)
from planning import runs
from planning.admin_selectors import sku_chart_data, sku_plan_fbo_units
from planning.charts import STOCK_MAX_DATE_LABELS, stock_date_locator
from planning.models import DemandHistory, PlanRun, SkuPlan
from planning.sku_plan_figures import sku_plan_figures
from planning.tests.admin_data import PLAN_DATE, planning_state, staff_member
from planning.tests.factories import PlanRunFactory, SkuPlanFactory

pytestmark = pytest.mark.django_db


def _address(code: str) -> str:
    return reverse("admin:planning_skuplan_sku", args=[code])


def test_the_stable_address_shows_the_latest_plan_and_lists_earlier_runs(client):
    # given the live plan of PLAN_DATE, then a later run with a new plan for the boots
    state = planning_state(with_history=False)
    old = state.plans["ADM-BOOT"]
    later = PlanRunFactory(plan_date=PLAN_DATE + timedelta(days=1), status=PlanRun.Status.DONE)
    new = SkuPlanFactory(run=later, sku=state.skus["ADM-BOOT"], suggested_order=48)
    client.force_login(staff_member("Planner", "planner"))
    # when the planner opens the boots' address
    response = client.get(_address("ADM-BOOT"))
    # then it shows the later run's plan, marked as the latest, with both runs listed
    assert response.status_code == 200
    assert response.context["sku_plan"] == new and response.context["is_live"] is True
    rows = response.context["plan_history"]
    assert [(r.plan.pk, r.shown, r.live) for r in rows] == [
        (new.pk, True, True),
        (old.pk, False, False),
    ]
    assert rows[1].url == f"{_address('ADM-BOOT')}?run={state.run.pk}"
    assert 'id="earlier-plan"' not in response.content.decode()


def test_an_earlier_run_is_shown_as_such_and_a_dropped_run_goes_to_the_latest(client):
    state = planning_state(with_history=False)
    later = PlanRunFactory(plan_date=PLAN_DATE + timedelta(days=1), status=PlanRun.Status.DONE)
    SkuPlanFactory(run=later, sku=state.skus["ADM-BOOT"])
    client.force_login(staff_member("Planner", "planner"))
    # when the earlier run is asked for, then a run that no longer holds a plan for the SKU
    earlier = client.get(f"{_address('ADM-BOOT')}?run={state.run.pk}")
    dropped = client.get(f"{_address('ADM-BOOT')}?run=987654")
    nonsense = client.get(f"{_address('ADM-BOOT')}?run=x' or 1=1")
    # then the earlier plan is shown with a way to the latest; the others go to the latest
    assert earlier.status_code == 200
    assert earlier.context["sku_plan"] == state.plans["ADM-BOOT"]
    assert 'id="earlier-plan"' in earlier.content.decode()
    assert dropped.status_code == 302 and dropped["Location"] == _address("ADM-BOOT")
    assert nonsense.status_code == 302 and nonsense["Location"] == _address("ADM-BOOT")


def test_old_per_run_links_redirect_and_a_replaced_plan_is_explained(client):
    state = planning_state(with_history=False)
    plan = state.plans["ADM-BOOT"]
    client.force_login(staff_member("Planner", "planner"))
    # when an old link to the plan, and one to a plan a re-run deleted, are followed
    kept = client.get(reverse("admin:planning_skuplan_change", args=[plan.pk]))
    gone = client.get(reverse("admin:planning_skuplan_change", args=[99999]), follow=True)
    # then the first lands at the SKU's address for that run; the second at the list, with why
    assert kept.status_code == 302
    assert kept["Location"] == f"{_address('ADM-BOOT')}?run={state.run.pk}"
    assert gone.redirect_chain[-1][0] == reverse("admin:planning_skuplan_changelist")
    assert "replaced by a later planning run" in gone.content.decode()


def test_unknown_sku_or_sku_without_a_plan_is_a_404_and_warehouse_staff_are_refused(client):
    planning_state(with_history=False)
    SkuFactory(code="NO-PLAN")
    client.force_login(staff_member("Planner", "planner"))
    assert client.get(_address("NOPE")).status_code == 404
    assert client.get(_address("NO-PLAN")).status_code == 404
    client.force_login(staff_member("Warehouse", "wh"))
    assert client.get(_address("ADM-BOOT")).status_code == 403


def test_list_and_at_risk_link_to_the_stable_address(client):
    planning_state(with_history=False)
    client.force_login(staff_member("Planner", "planner"))
    for name in ("admin:planning_skuplan_changelist", "admin:planning_atrisksku_changelist"):
        page = client.get(reverse(name)).content.decode()
        assert f'href="{_address("ADM-BOOT")}"' in page


def test_codes_are_words_on_the_page_and_in_the_list(client):
    state = planning_state(with_history=False)
    SkuPlan.objects.filter(pk=state.plans["ADM-BOOT"].pk).update(
        method="ses_weekly", scheme_reasons=0b100, distribution="negative_binomial"
    )
    client.force_login(staff_member("Planner", "planner"))
    page = client.get(_address("ADM-BOOT")).content.decode()
    listing = client.get(reverse("admin:planning_skuplan_changelist")).content.decode()
    assert "exponential smoothing with weekly pattern" in page
    assert "sells fast" in page and "negative binomial distribution" in page
    assert "ses_weekly" not in page and "high_velocity" not in page
    assert "exponential smoothing with weekly pattern" in listing
    with translation.override("ru"):
        russian = client.get(_address("ADM-BOOT"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Запас на складах Ozon (FBO)" in russian
    assert "экспоненциальное сглаживание с недельным профилем" in russian


@pytest.fixture
def fbo_catalogue():
    """One SKU selling 4 a day: 10 on the own shelf and 22 at an Ozon (FBO) warehouse."""
    own = WarehouseFactory(code="MAIN")
    fbo = FboWarehouseFactory(code="OZON-1")
    supplier = SupplierFactory(code="ACME", lead_time_mean_days=Decimal("30"))
    sku = SkuFactory(code="FBO-SKU", scheme="both")
    SupplierItemFactory(sku=sku, supplier=supplier, moq=1, pack_size=1)
    stock_level(sku=sku, warehouse=own, on_hand=10)
    stock_level(sku=sku, warehouse=fbo, on_hand=22)
    DemandHistory.objects.bulk_create(
        DemandHistory(sku=sku, date=date(2026, 11, 20) - timedelta(days=d), units=4, orders=4)
        for d in range(1, 120)
    )
    return sku


def test_the_stock_box_shows_the_fbo_units_and_the_day_table_agrees_with_the_stockout_date(
    fbo_catalogue, client
):
    # when the real engine plans the SKU
    run = runs.plan_run(plan_date=date(2026, 11, 20))
    assert run.status == PlanRun.Status.DONE, run.error
    plan = SkuPlan.objects.get(run=run, sku=fbo_catalogue)
    # then the plan counted the 22 units at Ozon, and the Stock box shows them
    assert plan.available == 10 and sku_plan_fbo_units(plan) == 22
    stock = dict(sku_plan_figures(plan))["Stock"]
    assert [(r.label, r.value) for r in stock[:2]] == [
        ("Available", "10 units"),
        ("At Ozon warehouses (FBO)", "22 units"),
    ]
    # and the day table starts from all 32 units and first loses demand on the stock-out date
    data = sku_chart_data(sku_plan=plan)
    assert data.projected_on_hand[0] == 32
    first_lost = next(i for i, lost in enumerate(data.projected_lost) if lost > 1e-9)
    assert plan.stockout_date is not None
    assert data.forecast_dates[first_lost] == plan.stockout_date
    client.force_login(staff_member("Planner", "planner"))
    response = client.get(_address("FBO-SKU"))
    assert response.context["runs_out"] == plan.stockout_date


@pytest.mark.parametrize("days", [14, 34, 90, 180, 365])
def test_the_stock_panel_never_has_more_date_labels_than_fit(days):
    start = datetime(2026, 11, 20)
    locator = stock_date_locator(days)
    ticks = locator.tick_values(start, start + timedelta(days=days))
    assert 1 <= len(ticks) <= STOCK_MAX_DATE_LABELS + 1
