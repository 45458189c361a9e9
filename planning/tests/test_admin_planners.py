"""The planners' admin: At risk, the SKU plan page and chart, scheme decisions, FBO shipments,
SKU service levels, and the dashboard on the admin index."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from inventory.models import Sku, Transfer
from inventory.tests.factories import StaffUserFactory
from planning.admin_selectors import sku_chart_data
from planning.charts import BAND_Z
from planning.models import FboShipmentSuggestion, FulfilmentDecision, SuggestionStatus
from planning.tests.admin_data import PLAN_DATE, planning_state, staff_member
from planning.tests.factories import PlanRunFactory, SkuPlanFactory

pytestmark = pytest.mark.django_db

AT_RISK = "admin:planning_atrisksku_changelist"


def _codes(response) -> list[str]:
    return [plan.sku.code for plan in response.context["cl"].result_list]


# --- At risk ----------------------------------------------------------------------------------


def test_at_risk_orders_skus_by_margin_at_risk_and_hides_those_below_the_risk_bar(client):
    # given the live plan (margins at risk 1000, 600, 400, and one SKU below the 20 % bar)
    planning_state()
    client.force_login(staff_member("Planner", "planner"))
    # when a planner opens At risk
    response = client.get(reverse(AT_RISK))
    # then the SKUs come in order of expected cancelled orders × unit margin
    assert response.status_code == 200
    assert _codes(response) == ["ADM-BOOT", "ADM-SOCK", "ADM-HAT"]
    assert [p.margin_at_risk for p in response.context["cl"].result_list] == [1000, 600, 400]
    assert response.context["cl"].result_list[0].next_arrival == date(2026, 11, 27)  # open PO
    page = response.content.decode()
    assert "60%" in page and "45%" in page


def test_at_risk_shows_only_the_latest_finished_run(client):
    # given the live plan and an older finished run and a newer failed run with other SKUs
    state = planning_state()
    older = PlanRunFactory(plan_date=PLAN_DATE - timedelta(days=1))
    SkuPlanFactory(run=older, sku=state.skus["ADM-BELT"], stockout_probability=0.9)
    failed = PlanRunFactory(plan_date=PLAN_DATE + timedelta(days=1), status="failed")
    SkuPlanFactory(run=failed, sku=state.skus["ADM-BELT"], stockout_probability=0.9)
    client.force_login(staff_member("Planner", "planner"))
    # when At risk lists all SKUs
    response = client.get(reverse(AT_RISK), {"risk": "all"})
    # then every row belongs to the live run, belt included once with its live figures
    assert {p.run_id for p in response.context["cl"].result_list} == {state.run.pk}
    assert _codes(response) == ["ADM-BOOT", "ADM-SOCK", "ADM-HAT", "ADM-BELT"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"abc": "B"}, ["ADM-SOCK"]),
        ({"demand": "lumpy"}, ["ADM-HAT"]),
        ({"scheme": "fbo"}, ["ADM-HAT"]),
        ({"supplier": "beta"}, ["ADM-HAT"]),
        ({"warehouse": "own"}, ["ADM-BOOT", "ADM-HAT"]),
        ({"risk": "all", "abc": "A"}, ["ADM-BOOT", "ADM-BELT"]),
    ],
)
def test_at_risk_filters(client, query, expected):
    # given the live plan; boots and hats have stock at MSK; hats come from Beta first
    state = planning_state()
    ids = {"beta": state.supplier_b.pk, "own": state.own.pk}
    params = {key: ids.get(value, value) for key, value in query.items()}
    client.force_login(staff_member("Planner", "planner"))
    # when At risk is filtered
    response = client.get(reverse(AT_RISK), params)
    # then only the matching SKUs remain, in margin-at-risk order
    assert _codes(response) == expected


def test_at_risk_costs_the_same_queries_for_3_or_30_skus(client):
    # given a planner and the live plan
    state = planning_state()
    client.force_login(staff_member("Planner", "planner"))
    url = reverse(AT_RISK)
    client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    # when 27 more at-risk SKUs join the live run
    for n in range(27):
        SkuPlanFactory(run=state.run, stockout_probability=0.5, expected_cancelled_orders=n)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    # then the page costs the same number of queries
    assert len(response.context["cl"].result_list) == 30
    assert len(large) == len(small)
    assert len(large) <= 12


# --- the SKU plan page and its chart -----------------------------------------------------------


def test_chart_data_of_a_sku_plan():
    # given the boots: 2 a day (4 on Saturdays), stocked out 10–12 days before the plan date,
    # 8 available, forecast 2 ± 1 a day, 40 arriving on day 7
    state = planning_state()
    plan = state.plans["ADM-BOOT"]
    # when the chart data is built
    data = sku_chart_data(sku_plan=plan)
    # then history, band and projection are exactly the plan's figures
    assert data.history_start == date(2026, 5, 24)
    assert len(data.history_units) == 180
    assert data.history_units[-1] == 2  # Thursday 19 Nov
    assert data.history_units[-6] == 4  # Saturday 14 Nov
    assert data.history_stocked_out.nonzero()[0].tolist() == [168, 169, 170]
    assert data.history_units[168:171].tolist() == [0, 0, 0]
    assert len(data.forecast_mean) == 34  # 2 × (lead time 10 + review 7) days
    assert np.allclose(data.forecast_mean, 2.0)
    assert np.allclose(data.forecast_low, 2.0 - BAND_Z)
    assert np.allclose(data.forecast_high, 2.0 + BAND_Z)
    assert [(a.date, a.quantity) for a in data.arrivals] == [(date(2026, 11, 27), 40)]
    # stock never goes below zero: demand beyond it is lost (its own series), and the arrival
    # on day 7 refills from zero rather than paying back a backlog
    assert data.projected_on_hand[:8].tolist() == [8, 6, 4, 2, 0, 0, 0, 40]
    assert data.projected_lost[:8].tolist() == [0, 0, 0, 0, 2, 2, 2, 0]
    assert data.projected_on_hand.min() == 0 and data.projected_on_hand[-1] == 0
    assert data.projected_lost.sum() == 6 + (2 * 27 - 40)  # 3 days before, 7 at the end
    assert (data.reorder_point, data.safety_stock) == (30, 10)


def test_sku_plan_page_shows_the_chart_and_the_figures_behind_it(client):
    # given the live plan
    state = planning_state()
    plan = state.plans["ADM-BOOT"]
    client.force_login(staff_member("Planner", "planner"))
    # when the planner opens the boots' plan
    response = client.get(reverse("admin:planning_skuplan_sku", args=["ADM-BOOT"]))
    # then the page holds the chart image (in the page's language) and the tables of figures
    page = response.content.decode()
    assert response.status_code == 200
    chart_url = reverse("admin:planning_skuplan_chart", args=[plan.pk, "svg"])
    assert f'src="{chart_url}?lang=en"' in page
    assert "Reorder point" in page and "30 units" in page
    assert "Safety stock" in page and "10 units" in page
    assert len(response.context["projection"]) == 34
    assert response.context["projection"][7].arrivals == 40
    assert response.context["history_total"] == int(
        sku_chart_data(sku_plan=plan).history_units.sum()
    )


@pytest.mark.parametrize(
    ("fmt", "content_type", "magic"),
    [
        ("svg", "image/svg+xml", b"<?xml"),
        ("png", "image/png", b"\x89PNG"),
    ],
)
def test_chart_image_is_drawn_and_cacheable(client, fmt, content_type, magic):
    # given the live plan
    state = planning_state()
    client.force_login(staff_member("Buyer", "buyer"))  # buyers may view plans too
    url = reverse("admin:planning_skuplan_chart", args=[state.plans["ADM-BOOT"].pk, fmt])
    # when the chart is requested
    response = client.get(url)
    # then it is an image, cached privately for five minutes
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)
    assert response["Cache-Control"] == "private, max-age=300"


def test_chart_needs_a_login_and_view_permission(client):
    # given the live plan and a staff user without planning permissions
    state = planning_state()
    url = reverse("admin:planning_skuplan_chart", args=[state.plans["ADM-BOOT"].pk, "svg"])
    # when an anonymous visitor, then a Warehouse user, ask for the chart
    anonymous = client.get(url)
    client.force_login(staff_member("Warehouse", "wh"))
    warehouse = client.get(url)
    # then the first is sent to the login page and the second refused
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]
    assert warehouse.status_code == 403


def test_unknown_chart_format_or_plan_is_a_404(client):
    state = planning_state(with_history=False)
    client.force_login(staff_member("Planner", "planner"))
    plan_id = state.plans["ADM-BOOT"].pk
    assert (
        client.get(reverse("admin:planning_skuplan_chart", args=[plan_id, "gif"])).status_code
        == 404
    )
    assert (
        client.get(reverse("admin:planning_skuplan_chart", args=[99999, "svg"])).status_code == 404
    )
    # a plan a later run replaced: the list, with a word (test_sku_plan_page)
    assert client.get(reverse("admin:planning_skuplan_change", args=[99999])).status_code == 302


# --- scheme decisions, FBO shipments, SKU service levels ---------------------------------------


def test_approving_a_scheme_decision_switches_the_sku(client):
    # given the proposal to move socks from FBS to FBO (800 vs 1300 a month)
    state = planning_state(with_history=False)
    decision = FulfilmentDecision.objects.get(sku=state.skus["ADM-SOCK"])
    planner = staff_member("Planner", "planner")
    client.force_login(planner)
    url = reverse("admin:planning_fulfilmentdecision_changelist")
    listing = client.get(url).content.decode()
    # when the planner approves it
    response = client.post(url, {"action": "approve_selected", "_selected_action": [decision.pk]})
    # then the SKU is FBO, the decision approved by the planner, both costs were shown
    assert "FBO is cheaper, sells fast" in listing
    assert "1,300.00\xa0RUB" in listing and "800.00\xa0RUB" in listing  # with the currency
    assert response.status_code == 302
    assert Sku.objects.get(pk=state.skus["ADM-SOCK"].pk).scheme == "fbo"
    decision.refresh_from_db()
    assert (decision.status, decision.decided_by) == (SuggestionStatus.APPROVED, planner)


def test_fbo_suggestions_become_a_transfer_in_one_action(client):
    # given 2 hats suggested for the FBO warehouse; 3 hats on hand at MSK
    state = planning_state(with_history=False)
    suggestion = FboShipmentSuggestion.objects.get()
    client.force_login(staff_member("Planner", "planner"))
    # when the planner turns the suggestion into a transfer
    response = client.post(
        reverse("admin:planning_fboshipmentsuggestion_changelist"),
        {"action": "to_transfers", "_selected_action": [suggestion.pk]},
        follow=True,
    )
    # then one draft transfer MSK → OZON-KZN carries 2 hats
    transfer = Transfer.objects.get()
    assert (transfer.source, transfer.destination) == (state.own, state.fbo)
    assert [(line.sku.code, line.quantity) for line in transfer.lines.all()] == [("ADM-HAT", 2)]
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.ORDERED and suggestion.transfer == transfer
    assert "1 draft transfer(s) created" in response.content.decode()


def test_a_planner_sets_a_sku_service_level_and_its_history_names_them(client):
    # given the boots without their own service level
    state = planning_state(with_history=False)
    sku = state.skus["ADM-BOOT"]
    planner = staff_member("Planner", "planner")
    client.force_login(planner)
    # when the planner sets 0.990 on the SKU service-level page
    response = client.post(
        reverse("admin:planning_skuservicelevel_change", args=[sku.pk]), {"service_level": "0.990"}
    )
    # then the SKU keeps its other fields, and its history says who changed the level
    assert response.status_code == 302
    sku.refresh_from_db()
    assert str(sku.service_level) == "0.990" and sku.name == "Demo Boot"
    change = sku.history.first()
    assert change.history_user == planner
    assert str(change.service_level) == "0.990"
    history_page = client.get(reverse("admin:planning_skuservicelevel_history", args=[sku.pk]))
    assert history_page.status_code == 200
    assert "planner" in history_page.content.decode()


# --- the dashboard -----------------------------------------------------------------------------


def test_admin_index_is_a_dashboard(client):
    # given the live plan and a superuser
    planning_state(with_history=False)
    client.force_login(StaffUserFactory())
    # when the admin index is opened
    response = client.get(reverse("admin:index"))
    # then the planning figures lead the page
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="planning-dashboard"' in page
    dashboard = response.context["d"]
    assert dashboard.at_risk == 3
    assert (dashboard.reorders_waiting, dashboard.reorders_value.items()) == (
        3,
        [("RUB", Decimal("17000.00"))],
    )
    assert (dashboard.fbo_waiting, dashboard.decisions_waiting) == (1, 1)
    assert dashboard.last_run.status == "done"


def test_dashboard_queries_do_not_grow_with_the_catalogue(client):
    # given the live plan
    state = planning_state(with_history=False)
    client.force_login(StaffUserFactory())
    url = reverse("admin:index")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    # when 20 more SKU plans and suggestions appear
    for _ in range(20):
        SkuPlanFactory(run=state.run)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    # then the index costs the same
    assert len(large) == len(small)


def test_a_warehouse_user_does_not_see_the_planning_dashboard(client):
    planning_state(with_history=False)
    client.force_login(staff_member("Warehouse", "wh"))
    page = client.get(reverse("admin:index")).content.decode()
    assert "SKUs at risk" not in page
