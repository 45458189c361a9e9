"""A small, fully known planning state for the planner/buyer admin tests (and the browser test).

Plan date 20 Nov 2026 (a Friday); one finished run with four SKU plans:

=========  =====  ==========  ==========  =========  ====================
SKU        price  unit cost   exp. canc.  risk       margin at risk
=========  =====  ==========  ==========  =========  ====================
ADM-BOOT   3000   1000        0.5         0.60       0.5 × 2000 = 1000
ADM-SOCK    300    100        3.0         0.45       3 × 200 = 600
ADM-HAT    1000    600        1.0         0.25       1 × 400 = 400
ADM-BELT    500    200        0.0         0.05       0 (below the risk bar)
=========  =====  ==========  ==========  =========  ====================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group

from inventory.models import PurchaseOrder, Sku, Supplier, Warehouse
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    UserFactory,
    WarehouseFactory,
    purchase_order,
    stock_level,
)
from planning.models import (
    DemandHistory,
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    ReorderSuggestion,
    SkuPlan,
)
from planning.tests.factories import PlanRunFactory, SkuPlanFactory

PLAN_DATE = date(2026, 11, 20)


@dataclass
class PlanningState:
    run: PlanRun
    own: Warehouse
    fbo: Warehouse
    supplier_a: Supplier
    supplier_b: Supplier
    skus: dict[str, Sku]
    plans: dict[str, SkuPlan]
    suggestions: dict[str, ReorderSuggestion] = field(default_factory=dict)
    purchase_order: PurchaseOrder | None = None


def staff_member(group: str, username: str):
    """A staff user in one of the role groups created by the roles migration."""
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def planning_state(*, plan_date: date = PLAN_DATE, with_history: bool = True) -> PlanningState:
    own = WarehouseFactory(code="MSK")
    fbo = FboWarehouseFactory(code="OZON-KZN")
    supplier_a = SupplierFactory(code="ALFA", name="Alfa Trading", min_order_value=Decimal("10000"))
    supplier_b = SupplierFactory(code="BETA", name="Beta Goods", min_order_value=Decimal("5000"))
    prices = {
        "ADM-BOOT": ("3000", "1000", 0.5, 0.60, "A", "smooth", "fbs"),
        "ADM-SOCK": ("300", "100", 3.0, 0.45, "B", "intermittent", "fbs"),
        "ADM-HAT": ("1000", "600", 1.0, 0.25, "C", "lumpy", "fbo"),
        "ADM-BELT": ("500", "200", 0.0, 0.05, "A", "smooth", "fbs"),
    }
    skus = {
        code: SkuFactory(
            code=code,
            name=code.title().replace("Adm-", "Demo "),
            sale_price=Decimal(price),
            unit_cost=Decimal(cost),
            abc_class=abc,
            scheme=scheme,
        )
        for code, (price, cost, _, _, abc, _, scheme) in prices.items()
    }
    SupplierItemFactory(sku=skus["ADM-BOOT"], supplier=supplier_a, pack_size=6, moq=6)
    SupplierItemFactory(sku=skus["ADM-SOCK"], supplier=supplier_a)
    SupplierItemFactory(sku=skus["ADM-HAT"], supplier=supplier_b)
    SupplierItemFactory(sku=skus["ADM-BELT"], supplier=supplier_b)
    stock_level(sku=skus["ADM-BOOT"], warehouse=own, on_hand=8)
    stock_level(sku=skus["ADM-HAT"], warehouse=own, on_hand=3)

    run = PlanRunFactory(
        plan_date=plan_date,
        status=PlanRun.Status.DONE,
        sku_count=4,
        at_risk_count=3,
        parameters={"engine": {"tariffs": {"risk_high": 0.2}}},
    )
    plans = {}
    for code, (_, _, cancelled, risk, abc, demand_class, scheme) in prices.items():
        plans[code] = SkuPlanFactory(
            run=run,
            sku=skus[code],
            abc_class=abc,
            demand_class=demand_class,
            expected_cancelled_orders=cancelled,
            stockout_probability=risk,
            current_scheme=scheme,
            recommended_scheme=scheme,
            forecast_mean=2.0,
            forecast_sd=1.0,
            available=8,
            reorder_point=30,
            safety_stock=10,
            lead_time_days=10,
            review_days=7,
            days_of_cover=4.0,
            stockout_date=plan_date + timedelta(days=4),
        )
    state = PlanningState(run, own, fbo, supplier_a, supplier_b, skus, plans)
    # An open, sent purchase order of 40 boots arriving a week after the plan date.
    state.purchase_order = purchase_order(
        lines=[(skus["ADM-BOOT"], 40)], supplier=supplier_a, warehouse=own
    )
    PurchaseOrder.objects.filter(pk=state.purchase_order.pk).update(
        expected_arrival=plan_date + timedelta(days=7)
    )
    if with_history:
        # 180 days of boots: 2 a day, 4 on Saturdays; stocked out (nothing sold) 10–12 days ago.
        rows = []
        for back in range(1, 181):
            day = plan_date - timedelta(days=back)
            out = 10 <= back <= 12
            units = 0 if out else (4 if day.weekday() == 5 else 2)
            rows.append(DemandHistory(sku=skus["ADM-BOOT"], date=day, units=units, stocked_out=out))
        DemandHistory.objects.bulk_create(rows)

    state.suggestions = {
        "boot": ReorderSuggestion.objects.create(
            run=run,
            plan_date=plan_date,
            sku=skus["ADM-BOOT"],
            supplier=supplier_a,
            warehouse=own,
            quantity=12,
            unit_cost=Decimal("1000"),
            cost=Decimal("12000"),
            reason="below reorder point",
        ),
        "sock": ReorderSuggestion.objects.create(
            run=run,
            plan_date=plan_date,
            sku=skus["ADM-SOCK"],
            supplier=supplier_a,
            warehouse=own,
            quantity=20,
            unit_cost=Decimal("100"),
            cost=Decimal("2000"),
            reason="below reorder point",
        ),
        "hat": ReorderSuggestion.objects.create(
            run=run,
            plan_date=plan_date,
            sku=skus["ADM-HAT"],
            supplier=supplier_b,
            warehouse=own,
            quantity=5,
            unit_cost=Decimal("600"),
            cost=Decimal("3000"),
            reason="below reorder point",
        ),
    }
    FulfilmentDecision.objects.create(
        run=run,
        plan_date=plan_date,
        sku=skus["ADM-SOCK"],
        current_scheme="fbs",
        recommended_scheme="fbo",
        fbo_monthly_cost=Decimal("800"),
        fbs_monthly_cost=Decimal("1300"),
        reasons=["fbo_cheaper", "high_velocity"],
    )
    FboShipmentSuggestion.objects.create(
        run=run, plan_date=plan_date, sku=skus["ADM-HAT"], warehouse=fbo, quantity=2
    )
    return state
