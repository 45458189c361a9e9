"""Factories for the planning models, and a tiny deterministic stand-in for the engine.

``fake_plan_catalogue`` follows the engine's contract (``CataloguePlan`` out) with figures a
test can compute by hand: forecast = mean of the last 28 days, reorder point = forecast × L,
order-up-to = forecast × (L + R), suggested order = order-up-to − position when the position
is at or below the reorder point.
"""

from __future__ import annotations

from datetime import date

import factory
import numpy as np

from inventory.tests.factories import SkuFactory, SupplierFactory, WarehouseFactory
from planning.engine.schema import FBO, FBS, CataloguePlan, CatalogueSnapshot, PlanParams
from planning.models import (
    DemandHistory,
    PlanRun,
    ReorderSuggestion,
    SkuPlan,
    SuggestionStatus,
)


class PlanRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanRun

    plan_date = date(2026, 11, 20)
    status = PlanRun.Status.DONE


class DemandHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DemandHistory

    sku = factory.SubFactory(SkuFactory)
    date = date(2026, 11, 1)
    units = 1


class ReorderSuggestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReorderSuggestion

    plan_date = date(2026, 11, 20)
    sku = factory.SubFactory(SkuFactory)
    supplier = factory.SubFactory(SupplierFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    quantity = 10
    status = SuggestionStatus.PROPOSED


class SkuPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SkuPlan

    run = factory.SubFactory(PlanRunFactory)
    sku = factory.SubFactory(SkuFactory)
    plan_date = factory.SelfAttribute("run.plan_date")
    demand_class = "smooth"
    abc_class = "A"
    method = "ses"
    forecast_mean = 1.0
    forecast_sd = 0.5
    service_level = 0.95
    lead_time_days = 10
    review_days = 7
    lead_time_demand_mean = 17
    lead_time_demand_sd = 2
    distribution = "normal"
    safety_stock = 3
    reorder_point = 13
    order_up_to = 20
    available = 5
    on_order = 0
    in_transit = 0
    inventory_position = 5
    suggested_order = 15
    risk_horizon_days = 10
    stockout_probability = 0.4
    expected_units_short = 1
    expected_cancelled_orders = 1
    fbo_monthly_cost = 100
    fbs_monthly_cost = 90
    current_scheme = "fbs"
    recommended_scheme = "fbs"


def fake_plan_catalogue(
    snapshot: CatalogueSnapshot, params: PlanParams, calibration=None, **_extra: object
) -> CataloguePlan:
    """Deterministic stand-in for ``planning.engine.plan_catalogue`` (see the module doc)."""
    n = snapshot.n_skus
    y = np.nan_to_num(np.asarray(snapshot.demand, dtype=np.float64))
    recent = y[:, -28:] if y.shape[1] else np.zeros((n, 1))
    forecast = recent.mean(axis=1) if recent.shape[1] else np.zeros(n)
    lead = snapshot.lead_time_mean_days
    rop = forecast * lead
    out = forecast * (lead + snapshot.review_days)
    position = snapshot.available + snapshot.on_order + snapshot.in_transit
    raw = np.where(position <= rop, out - position, 0.0)
    pack = np.maximum(snapshot.pack_size, 1)
    suggested = np.where(raw > 0, np.ceil(np.maximum(raw, snapshot.moq) / pack) * pack, 0.0)
    zeros = np.zeros(n)
    with np.errstate(divide="ignore"):
        cover = np.where(forecast > 0, snapshot.available / forecast, np.inf)
    revenue = y[:, -365:].sum(axis=1) * snapshot.sale_price
    recommended = np.where(forecast >= 5, FBO, FBS).astype(np.int8)
    w = snapshot.fbo.stock.shape[1] if snapshot.fbo is not None else 0
    shipment = np.zeros((n, w))
    if w:
        shipment[:, 0] = np.where(recommended == FBO, np.ceil(forecast * 14), 0)
    return CataloguePlan(
        demand_class=np.zeros(n, dtype=np.int8),
        adi=np.ones(n),
        cv2=zeros,
        abc_class=np.full(n, 2, dtype=np.int8),
        revenue=revenue,
        method=np.zeros(n, dtype=np.int8),
        forecast_mean=forecast,
        forecast_sd=zeros,
        weekly_profile=np.ones((n, 7)),
        holdout_mase=np.full(n, np.nan),
        holdout_rmsse=np.full(n, np.nan),
        holdout_bias=zeros,
        lead_time_demand_mean=forecast * (lead + snapshot.review_days),
        lead_time_demand_sd=zeros,
        distribution=np.zeros(n, dtype=np.int8),
        safety_stock=zeros,
        reorder_point=rop,
        order_up_to=out,
        inventory_position=position,
        suggested_order=suggested,
        eoq=zeros,
        risk_horizon_days=lead,
        stockout_probability=np.where(position <= rop, 0.5, 0.0),
        expected_units_short=zeros,
        expected_cancelled_orders=zeros,
        days_of_cover=cover,
        stockout_day=cover,
        fbo_monthly_cost=zeros + 100,
        fbs_monthly_cost=zeros + 120,
        recommended_scheme=recommended,
        scheme_reasons=np.where(recommended == FBO, 1, 2).astype(np.int32),
        fbo_shipment=shipment,
        history_days=np.full(n, 365, dtype=np.int32),
        protection_days=np.rint(lead + snapshot.review_days).astype(np.int32),
        promise_quantiles=np.repeat(out[:, None], 5, axis=1),
        promise_mean=forecast * (lead + snapshot.review_days),
        promise_stockout_probability=np.where(position <= rop, 0.5, 0.0),
        calibration_applied=np.asarray(snapshot.service_level, dtype=np.float64),
    )
