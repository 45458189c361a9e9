"""Factories for promises and a hand-built history the audit tests score exactly."""

from __future__ import annotations

from datetime import date, timedelta

import factory

from inventory.tests.factories import SkuFactory
from planning.models import DemandHistory, DemandSource, PlanRun
from planning.promise_models import Promise
from planning.tests.factories import PlanRunFactory


class PromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promise

    run = factory.SubFactory(PlanRunFactory)
    sku = factory.SubFactory(SkuFactory)
    plan_date = factory.SelfAttribute("run.plan_date")
    protection_days = 7
    window_start = factory.SelfAttribute("plan_date")
    window_end = factory.LazyAttribute(lambda p: p.window_start + timedelta(p.protection_days - 1))
    q50, q80, q90, q95, q99 = 10.0, 14.0, 16.0, 18.0, 22.0
    mean = 10.0
    stockout_probability = 0.1
    reorder_point = 16.0
    service_level = 0.9
    calibration_applied = factory.SelfAttribute("service_level")
    calibration_group = "A"
    abc_class = "A"


def demand(sku, day: date, units: int, **fields) -> DemandHistory:
    return DemandHistory.objects.create(sku=sku, date=day, units=units, **fields)


PLAN_DATE = date(2026, 11, 2)
AUDIT_DATE = date(2026, 12, 1)
LOW = {"q50": 2.0, "q80": 3.0, "q90": 4.0, "q95": 5.0, "q99": 7.0}


def hand_built_history() -> dict[str, Promise]:
    """Six promises of one run planned on Monday 2 Nov 2026 for 7 days (2–8 Nov), one that
    ends later (not yet due), and their demand:

    ===  =====  ======  =====================================  ======  ========
    SKU  group  target  demand in the window                   actual  outcome
    ===  =====  ======  =====================================  ======  ========
    a1   A      0.90    2 a day on 6 days                      12      q80…
    a2   A      0.90    15 imported + 2 ordered, 1 lost: 18     18      q99, over ROP
    a3   A      0.90    30 on one day                          30      never, over ROP
    c1   C      0.95    nothing                                0       always
    c2   C      0.95    4                                      4       q90…
    c3   C      0.95    9, then stocked out                    —       censored
    a4   A      0.90    window 2–29 Nov: not yet due           —       open
    ===  =====  ======  =====================================  ======  ========

    Rows just outside the window (1 and 9 Nov) must not count. History runs to 30 Nov.
    """
    run = PlanRunFactory(plan_date=PLAN_DATE, status=PlanRun.Status.DONE)
    skus = {code: SkuFactory(code=code) for code in ("a1", "a2", "a3", "a4", "c1", "c2", "c3")}
    promises = {}
    for code in ("a1", "a2", "a3"):
        promises[code] = PromiseFactory(run=run, sku=skus[code])
    for code in ("c1", "c2", "c3"):
        promises[code] = PromiseFactory(
            run=run, sku=skus[code], mean=2.0, reorder_point=5.0, stockout_probability=0.05,
            service_level=0.95, calibration_group="C", abc_class="C", **LOW,
        )  # fmt: skip
    promises["a4"] = PromiseFactory(run=run, sku=skus["a4"], protection_days=28)

    for i in range(6):
        demand(skus["a1"], PLAN_DATE + timedelta(i), 2)
    demand(skus["a1"], PLAN_DATE - timedelta(1), 50)  # the day before the window
    demand(skus["a1"], PLAN_DATE + timedelta(7), 50)  # the day after
    demand(skus["a2"], PLAN_DATE + timedelta(3), 15)
    demand(skus["a2"], PLAN_DATE + timedelta(3), 2, source=DemandSource.ORDERS, lost_units=1)
    demand(skus["a3"], PLAN_DATE + timedelta(6), 30)
    demand(skus["c2"], PLAN_DATE + timedelta(1), 4)
    demand(skus["c3"], PLAN_DATE, 9)
    demand(skus["c3"], PLAN_DATE + timedelta(2), 0, stocked_out=True)
    demand(skus["a4"], date(2026, 11, 30), 1)  # the history's last day
    return promises
