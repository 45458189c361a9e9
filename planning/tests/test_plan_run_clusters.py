"""A nightly run sends FBO stock per marketplace cluster, each sized by its own buyers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from inventory.models import FboCluster, FulfilmentScheme
from inventory.services import FboStockRow, fbo_stock_report_replace
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    stock_level,
)
from planning import runs
from planning.fbo_inputs import cluster_demand_replace
from planning.models import DemandHistory, FboShipmentSuggestion, PlanRun

PLAN_DATE = date(2026, 11, 20)

pytestmark = pytest.mark.django_db


def test_each_cluster_gets_a_suggestion_sized_by_its_share_of_the_demand():
    # given 10 units a day for 60 days, three quarters bought in Moscow (its nearest warehouse
    # 2 days away, a farther one 5), a quarter in Kazan (4 days); Ozon holds 30 in Moscow
    moscow, kazan = (
        FboCluster.objects.create(code="m", name="Moscow"),
        FboCluster.objects.create(code="k", name="Kazan"),
    )
    near = FboWarehouseFactory(code="M-NEAR", transit_days=2, cluster=moscow)
    FboWarehouseFactory(code="M-FAR", transit_days=5, cluster=moscow)
    kzn = FboWarehouseFactory(code="KZN", transit_days=4, cluster=kazan)
    # (service level 0.5: no safety stock, so the figures are demand over transit + review)
    sku = SkuFactory(code="CUP", scheme=FulfilmentScheme.FBO, service_level=Decimal("0.5"))
    SupplierItemFactory(sku=sku, supplier=SupplierFactory(lead_time_mean_days=Decimal("10")))
    stock_level(sku=sku, warehouse=WarehouseFactory(code="MAIN"), on_hand=1000)
    days = [PLAN_DATE - timedelta(days=d) for d in range(1, 61)]
    DemandHistory.objects.bulk_create(
        DemandHistory(sku=sku, date=day, units=10, orders=10) for day in days
    )
    cluster_demand_replace(
        source="test",
        days=days,
        cells={
            **{(sku.pk, moscow.pk, day): (15, 15, 0) for day in days[::2]},
            **{(sku.pk, kazan.pk, day): (5, 5, 0) for day in days[::2]},
        },
    )
    fbo_stock_report_replace(
        warehouse_ids=[near.pk, kzn.pk], rows=[FboStockRow(sku.pk, near.pk, available=30)]
    )

    run = runs.plan_run(plan_date=PLAN_DATE)

    # then: Moscow 10 · 0.75 · (2 + 14) = 120 − 30 = 90,
    # to its nearest warehouse; Kazan 10 · 0.25 · (4 + 14) = 45
    assert run.status == PlanRun.Status.DONE, run.error
    assert sorted(
        FboShipmentSuggestion.objects.filter(run=run).values_list("warehouse__code", "quantity")
    ) == [("KZN", 45), ("M-NEAR", 90)]
