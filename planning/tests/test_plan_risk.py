"""What counts as "at risk": the run's RiskThreshold, its count and the admin's filter."""

from __future__ import annotations

from datetime import date

import pytest

from planning import runs
from planning.admin_selectors import at_risk_filter, planning_dashboard, risk_bar
from planning.models import PlanRun, RiskThreshold, SkuPlan
from planning.tests.factories import PlanRunFactory, SkuPlanFactory
from planning.tests.test_plan_run import PLAN_DATE, catalogue, fake_engine  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_default_threshold_is_even_odds_and_half_an_order(settings):
    # given no settings of its own
    settings.ZAPAS = {k: v for k, v in settings.ZAPAS.items() if not k.startswith("RISK_")}
    # then
    assert RiskThreshold.from_settings() == RiskThreshold(0.5, 0.5)


def test_a_run_keeps_the_threshold_it_was_made_with(settings):
    # given a run made with 0.3 / 1 order, then the settings change
    run = PlanRunFactory(
        plan_date=date(2026, 11, 20),
        status=PlanRun.Status.DONE,
        parameters={"risk": {"probability": 0.3, "min_cancelled_orders": 1.0}},
    )
    settings.ZAPAS = {**settings.ZAPAS, "RISK_THRESHOLD": 0.9}
    # then the run's list and count still use its own
    assert RiskThreshold.of_run(run) == RiskThreshold(0.3, 1.0)
    assert risk_bar(run) == 0.3
    # a run from before the threshold was stored used the engine's risk_high alone
    legacy = PlanRunFactory(
        plan_date=date(2026, 11, 19),
        status=PlanRun.Status.DONE,
        parameters={"engine": {"tariffs": {"risk_high": 0.2}}},
    )
    assert RiskThreshold.of_run(legacy) == RiskThreshold(0.2, 0.0)
    # and a run with nothing stored follows the settings
    assert RiskThreshold.of_run(None) == RiskThreshold(0.9, 0.5)


def test_at_risk_needs_both_the_probability_and_the_expected_cancellations():
    # given a run at 0.5 / 0.5 and four SKU plans around the corners
    run = PlanRunFactory(
        plan_date=date(2026, 11, 20),
        status=PlanRun.Status.DONE,
        parameters={"risk": {"probability": 0.5, "min_cancelled_orders": 0.5}},
    )
    cases = {(0.6, 2.0): True, (0.5, 0.5): True, (0.9, 0.2): False, (0.4, 5.0): False}
    for probability, cancels in cases:
        SkuPlanFactory(run=run, stockout_probability=probability, expected_cancelled_orders=cancels)
    # when filtered
    found = {
        (p.stockout_probability, p.expected_cancelled_orders)
        for p in at_risk_filter(SkuPlan.objects.filter(run=run), run)
    }
    # then
    assert found == {k for k, v in cases.items() if v}


def test_a_run_stores_its_threshold_and_counts_with_it(catalogue, fake_engine, settings):  # noqa: F811
    # given a threshold the fake engine's fast SKU meets (probability 0.5, no cancellations)
    settings.ZAPAS = {**settings.ZAPAS, "RISK_THRESHOLD": 0.5, "RISK_MIN_CANCELLED_ORDERS": 0}
    # when
    run = runs.plan_run(plan_date=PLAN_DATE)
    # then
    assert run.parameters["risk"] == {"probability": 0.5, "min_cancelled_orders": 0.0}
    assert run.at_risk_count == 1
    dashboard = planning_dashboard()
    assert (dashboard.at_risk, dashboard.risk_bar, dashboard.risk_min_cancelled_orders) == (
        1,
        0.5,
        0.0,
    )
