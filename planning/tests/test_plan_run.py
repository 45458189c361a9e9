"""The planning run: results stored, re-runs replace them, failures leave them alone."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.db import IntegrityError, transaction

from core.errors import Conflict
from inventory.models import PurchaseOrder
from inventory.tests.factories import (
    FboWarehouseFactory,
    SkuFactory,
    SupplierFactory,
    SupplierItemFactory,
    WarehouseFactory,
    stock_level,
)
from planning import runs, services, tasks
from planning.engine.schema import FBS
from planning.models import (
    DemandHistory,
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    ReorderSuggestion,
    SkuPlan,
    SuggestionStatus,
)
from planning.tests.factories import fake_plan_catalogue

PLAN_DATE = date(2026, 11, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_engine(monkeypatch):
    monkeypatch.setattr(runs, "_engine_plan", fake_plan_catalogue)


def _history(sku, per_day: int, days: int = 60) -> None:
    DemandHistory.objects.bulk_create(
        DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=d), units=per_day, orders=per_day)
        for d in range(1, days + 1)
    )


@pytest.fixture
def catalogue():
    """Three SKUs from one supplier into one own warehouse, plus one FBO warehouse.

    fast: 6/day, 10 on hand (reorder: FBO recommended); slow: 1/day, 100 on hand (no order);
    dead: no demand.
    """
    warehouse = WarehouseFactory(code="MAIN")
    FboWarehouseFactory(code="FBO-1")
    supplier = SupplierFactory(code="ACME", lead_time_mean_days=Decimal("10"))
    skus = {}
    for code, per_day, on_hand in (("fast", 6, 10), ("slow", 1, 100), ("dead", 0, 5)):
        sku = SkuFactory(code=code)
        SupplierItemFactory(sku=sku, supplier=supplier, moq=1, pack_size=1)
        stock_level(sku=sku, warehouse=warehouse, on_hand=on_hand)
        if per_day:
            _history(sku, per_day)
        skus[code] = sku
    return skus


def test_a_run_stores_one_plan_per_sku_and_the_suggestions(catalogue, fake_engine):
    # when
    run = runs.plan_run(plan_date=PLAN_DATE)

    # then: fast has position 10 ≤ ROP 60 → orders up to 6 × 17 = 102 − 10 = 92
    assert run.status == PlanRun.Status.DONE, run.error
    assert run.sku_count == 3
    plan = SkuPlan.objects.get(run=run, sku=catalogue["fast"])
    assert (plan.forecast_mean, plan.reorder_point, plan.order_up_to) == (6.0, 60.0, 102.0)
    assert (plan.available, plan.suggested_order) == (10, 92)
    assert plan.stockout_date == PLAN_DATE + timedelta(days=1)
    suggestion = ReorderSuggestion.objects.get(run=run)
    assert (suggestion.sku, suggestion.quantity, suggestion.cost) == (
        catalogue["fast"],
        92,
        Decimal("7360.00"),
    )
    assert suggestion.expected_arrival == PLAN_DATE + timedelta(days=10)
    assert FboShipmentSuggestion.objects.get(run=run).quantity == 84
    decision = FulfilmentDecision.objects.get(run=run)
    assert (decision.current_scheme, decision.recommended_scheme) == ("fbs", "fbo")
    assert (run.reorder_count, run.fbo_shipment_count, run.scheme_change_count) == (1, 1, 1)
    assert set(run.timings) == {"read", "engine", "write", "finalise"}


def test_abc_classes_are_computed_over_the_whole_catalogue(catalogue, fake_engine):
    # when
    run = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1)

    # then: revenue 6 × 60 × 250 = 90 000 (fast), 15 000 (slow), 0 (dead)
    classes = dict(SkuPlan.objects.filter(run=run).values_list("sku__code", "abc_class"))
    assert classes == {"fast": "A", "slow": "B", "dead": "C"}
    catalogue["fast"].refresh_from_db()
    assert catalogue["fast"].abc_class == "A"


def test_rerunning_a_date_replaces_its_results(catalogue, fake_engine):
    # given
    first = runs.plan_run(plan_date=PLAN_DATE)

    # when
    second = runs.plan_run(plan_date=PLAN_DATE)

    # then
    first.refresh_from_db()
    assert first.status == PlanRun.Status.SUPERSEDED
    assert SkuPlan.objects.count() == 3
    assert set(SkuPlan.objects.values_list("run", flat=True)) == {second.pk}
    assert ReorderSuggestion.objects.get().run == second
    assert PlanRun.objects.current() == second


def test_a_failed_run_records_its_error_and_keeps_the_previous_results(
    catalogue, fake_engine, monkeypatch
):
    # given
    good = runs.plan_run(plan_date=PLAN_DATE)

    def broken(snapshot, params, calibration=None, **_):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(runs, "_engine_plan", broken)

    # when
    failed = runs.plan_run(plan_date=PLAN_DATE)

    # then
    assert failed.status == PlanRun.Status.FAILED
    assert failed.error == "RuntimeError: engine exploded"
    good.refresh_from_db()
    assert good.status == PlanRun.Status.DONE
    assert SkuPlan.objects.filter(run=good).count() == 3
    assert ReorderSuggestion.objects.get().run == good
    assert PlanRun.objects.current() == good


def test_a_failure_after_some_chunks_leaves_nothing_of_the_failed_run(
    catalogue, fake_engine, monkeypatch
):
    # given: the second chunk fails
    calls = []

    def flaky(snapshot, params, calibration=None, **_):
        calls.append(snapshot.n_skus)
        if len(calls) == 2:
            raise ValueError("bad chunk")
        return fake_plan_catalogue(snapshot, params)

    monkeypatch.setattr(runs, "_engine_plan", flaky)

    # when
    run = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1)

    # then
    assert run.status == PlanRun.Status.FAILED
    assert SkuPlan.objects.count() == 0
    assert ReorderSuggestion.objects.count() == 0


def test_approved_and_ordered_suggestions_are_never_overwritten(catalogue, fake_engine):
    # given: today's suggestion ordered, a second SKU's suggestion approved
    run = runs.plan_run(plan_date=PLAN_DATE)
    ordered = ReorderSuggestion.objects.get(run=run)
    (po,) = services.suggestions_approve(suggestions=[ordered], user=None)
    approved = ReorderSuggestion.objects.create(
        run=run,
        plan_date=PLAN_DATE,
        sku=catalogue["slow"],
        supplier=ordered.supplier,
        warehouse=ordered.warehouse,
        quantity=7,
        status=SuggestionStatus.APPROVED,
    )

    # when
    rerun = runs.plan_run(plan_date=PLAN_DATE)

    # then: both survive untouched; the open PO now counts as on order, so no new suggestion
    ordered.refresh_from_db()
    approved.refresh_from_db()
    assert (ordered.status, ordered.quantity, ordered.purchase_order) == ("ordered", 92, po)
    assert (approved.status, approved.quantity) == ("approved", 7)
    assert SkuPlan.objects.get(run=rerun, sku=catalogue["fast"]).on_order == 92
    assert ReorderSuggestion.objects.filter(run=rerun).count() == 0
    assert PurchaseOrder.objects.count() == 1


def test_a_dismissed_suggestion_is_not_proposed_again_the_same_day(catalogue, fake_engine):
    # given
    runs.plan_run(plan_date=PLAN_DATE)
    services.suggestion_dismiss(
        suggestion=ReorderSuggestion.objects.get(), user=None, reason="discontinued"
    )

    # when
    runs.plan_run(plan_date=PLAN_DATE)

    # then
    assert list(ReorderSuggestion.objects.values_list("status", flat=True)) == ["dismissed"]


def test_a_partial_run_replaces_only_its_skus(catalogue, fake_engine):
    # given
    full = runs.plan_run(plan_date=PLAN_DATE)

    # when
    partial = runs.plan_run(plan_date=PLAN_DATE, sku_codes=["fast"])

    # then: the current run holds all three SKUs, fast newly planned
    full.refresh_from_db()
    assert full.status == PlanRun.Status.SUPERSEDED
    assert PlanRun.objects.current() == partial
    assert SkuPlan.objects.filter(run=partial).count() == 3
    assert ReorderSuggestion.objects.get().run == partial
    assert partial.sku_count == 3


def test_a_second_run_cannot_start_while_one_is_running(catalogue, fake_engine):
    # given
    PlanRun.objects.create(plan_date=PLAN_DATE, status=PlanRun.Status.RUNNING)

    # when / then
    with pytest.raises(Conflict) as excinfo:
        runs.plan_run(plan_date=PLAN_DATE)
    assert excinfo.value.code == "plan_running"
    assert PlanRun.objects.count() == 1


def test_the_database_itself_refuses_two_running_runs():
    PlanRun.objects.create(plan_date=PLAN_DATE, status=PlanRun.Status.RUNNING)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanRun.objects.create(plan_date=PLAN_DATE + timedelta(days=1), status="running")


def test_a_stale_running_run_is_abandoned(catalogue, fake_engine):
    # given: a worker died 7 hours ago mid-run
    from django.utils import timezone

    stale = PlanRun.objects.create(plan_date=PLAN_DATE, status=PlanRun.Status.RUNNING)
    PlanRun.objects.filter(pk=stale.pk).update(created_at=timezone.now() - timedelta(hours=7))

    # when
    run = runs.plan_run(plan_date=PLAN_DATE)

    # then
    stale.refresh_from_db()
    assert (stale.status, run.status) == (PlanRun.Status.FAILED, PlanRun.Status.DONE)
    assert stale.error.startswith("Abandoned")


def test_unknown_sku_codes_are_refused_without_a_run(catalogue, fake_engine):
    from core.errors import InvalidInput

    with pytest.raises(InvalidInput) as excinfo:
        runs.plan_run(plan_date=PLAN_DATE, sku_codes=["fast", "nope"])
    assert excinfo.value.code == "unknown_sku"
    assert PlanRun.objects.filter(status="running").count() == 0


_COMPARED = [f.attname for f in SkuPlan._meta.concrete_fields if f.attname not in ("id", "run_id")]


def _figures(run) -> list[tuple]:
    return list(SkuPlan.objects.filter(run=run).order_by("sku_id").values_list(*_COMPARED))


@pytest.fixture
def varied_catalogue():
    """Twelve SKUs with different, reproducible histories, stock and suppliers (real engine)."""
    import numpy as np

    rng = np.random.default_rng(7)
    warehouse = WarehouseFactory()
    FboWarehouseFactory()
    suppliers = [SupplierFactory(lead_time_mean_days=Decimal(d)) for d in ("5", "12", "20")]
    rows = []
    for k in range(12):
        sku = SkuFactory(sale_price=Decimal(100 + 40 * k), barcode=False)
        SupplierItemFactory(sku=sku, supplier=suppliers[k % 3], moq=1 + k % 4, pack_size=1 + k % 3)
        stock_level(sku=sku, warehouse=warehouse, on_hand=int(rng.integers(0, 60)))
        rate = [0.1, 0.8, 3.0, 9.0][k % 4]
        units = rng.poisson(rate, 120)
        for d, u in enumerate(units, start=1):
            if u:
                rows.append(
                    DemandHistory(
                        sku=sku,
                        date=PLAN_DATE - timedelta(days=d),
                        units=int(u),
                        orders=int(u),
                        stocked_out=bool(k == 5 and d < 6),
                    )
                )
    DemandHistory.objects.bulk_create(rows)


def test_chunked_through_celery_and_in_process_runs_give_identical_results(varied_catalogue):
    # given: one in-process pass over the whole catalogue
    whole = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1000)
    assert whole.status == PlanRun.Status.DONE, whole.error
    expected = _figures(whole)
    expected_reorders = list(
        ReorderSuggestion.objects.order_by("sku_id").values_list("sku_id", "quantity", "cost")
    )

    # when: the same date again, as a chord of 5-SKU chunks (eager Celery: in-process)
    chunked = tasks.plan_run_dispatch(plan_date=PLAN_DATE, chunk_size=5)

    # then
    chunked.refresh_from_db()
    assert chunked.status == PlanRun.Status.DONE, chunked.error
    assert (chunked.chunk_count, chunked.chunks_done) == (3, 3)
    assert _figures(chunked) == expected
    assert (
        list(ReorderSuggestion.objects.order_by("sku_id").values_list("sku_id", "quantity", "cost"))
        == expected_reorders
    )
    assert len(expected) == 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_started_at_once_one_plans_and_the_other_is_refused(catalogue, fake_engine):
    # given: two threads start a run at the same moment
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            run = runs.plan_run(plan_date=PLAN_DATE)
            outcomes.append(run.status)
        except Conflict as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(2)]

    # when
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then: either the second was refused, or it started after the first had finished
    assert sorted(outcomes) in (["done", "plan_running"], ["done", "done"])
    assert PlanRun.objects.filter(status=PlanRun.Status.DONE).count() == 1
    assert SkuPlan.objects.count() == 3


def test_a_run_hands_every_chunk_the_catalogues_calendar(monkeypatch):
    # given: two SKUs selling 3 a day except on Saturdays, planned one per chunk
    seen = []

    def engine(snapshot, params, calibration=None, **extra):
        seen.append(snapshot.calendar)
        return fake_plan_catalogue(snapshot, params, calibration, **extra)

    monkeypatch.setattr(runs, "_engine_plan", engine)
    for _ in range(2):
        sku = SkuFactory()
        DemandHistory.objects.bulk_create(
            DemandHistory(sku=sku, date=PLAN_DATE - timedelta(days=d), units=3, orders=3)
            for d in range(1, 57)
            if (PLAN_DATE - timedelta(days=d)).weekday() != 5
        )

    run = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1)

    # then: the run stored the closed weekday and both chunks planned with it
    assert run.parameters["shop_calendar"]["closed_weekdays"] == [5]
    assert len(seen) == 2 and all(c.closed_weekdays == (5,) for c in seen)


def _reorder_points(run) -> np.ndarray:
    rows = SkuPlan.objects.filter(run=run).order_by("sku_id")
    return np.array(list(rows.values_list("reorder_point", flat=True)), np.float64)


def test_a_chunked_run_spreads_the_allocation_over_the_whole_catalogue(
    varied_catalogue, settings, monkeypatch
):
    # given: the stock spread for the fewest cancellations, planned in one pass
    settings.ZAPAS = {**settings.ZAPAS, "PLAN_PARAMS": {"allocation": "cancellations"}}
    whole = runs.plan_run(plan_date=PLAN_DATE, chunk_size=1000)
    assert whole.status == PlanRun.Status.DONE, whole.error
    assert "allocation_log_lambda" not in whole.parameters  # one chunk finds its own λ
    one = _reorder_points(whole)

    # when: the same date in chunks of 5 SKUs
    chunked = runs.plan_run(plan_date=PLAN_DATE, chunk_size=5)

    # then: one λ for the catalogue, and every SKU's reorder point as in the one pass (the λ
    # is read off a table over log λ, so to a hundredth of a unit, not bit for bit); matching
    # the stock value within each 5-SKU chunk instead moves them by up to 8 units
    assert chunked.status == PlanRun.Status.DONE, chunked.error
    assert chunked.chunk_count == 3
    assert isinstance(chunked.parameters["allocation_log_lambda"], float)
    parts = _reorder_points(chunked)
    assert len(one) == 12
    assert np.abs(parts - one).max() <= 0.5


def _consistency_problems(run) -> list[str]:
    """What a planner would see contradict itself: a SKU proposed off FBO that also gets FBO
    shipments, or shipments of a SKU above its available stock in own warehouses."""
    from django.db.models import Sum

    leaving = set(
        FulfilmentDecision.objects.filter(run=run, recommended_scheme="fbs").values_list(
            "sku_id", flat=True
        )
    )
    shipped = dict(
        FboShipmentSuggestion.objects.filter(run=run)
        .values("sku_id")
        .annotate(units=Sum("quantity"))
        .values_list("sku_id", "units")
    )
    available = dict(SkuPlan.objects.filter(run=run).values_list("sku_id", "available"))
    problems = [
        f"SKU {pk}: switch to FBS and FBO shipments" for pk in sorted(leaving & set(shipped))
    ]
    problems += [
        f"SKU {pk}: ships {units}, {available.get(pk)} available"
        for pk, units in sorted(shipped.items())
        if units > (available.get(pk) or 0)
    ]
    return problems


def test_a_sku_proposed_off_fbo_gets_no_fbo_shipment(catalogue, monkeypatch):
    # given the fast SKU sold through FBO, and an engine that (like the real one, which ships
    # for every SKU on FBO) both recommends FBS for it and sends it to the FBO warehouse
    fast = catalogue["fast"]
    fast.scheme = "fbo"
    fast.save(update_fields=["scheme"])

    def contradicting(snapshot, params, calibration=None, **extra):
        plan = fake_plan_catalogue(snapshot, params, calibration, **extra)
        plan.recommended_scheme[:] = FBS
        plan.fbo_shipment[:, 0] = np.minimum(snapshot.available, 5)
        return plan

    monkeypatch.setattr(runs, "_engine_plan", contradicting)

    # when the plan runs
    run = runs.plan_run(plan_date=PLAN_DATE)

    # then the switch is proposed and no shipment is: the two never appear together
    assert run.status == PlanRun.Status.DONE, run.error
    decision = FulfilmentDecision.objects.get(run=run)
    assert (decision.sku, decision.current_scheme, decision.recommended_scheme) == (
        fast,
        "fbo",
        "fbs",
    )
    assert not FboShipmentSuggestion.objects.filter(run=run, sku=fast).exists()
    # the slow SKU stays on FBS (nothing to decide) and may still be shipped
    assert set(
        FboShipmentSuggestion.objects.filter(run=run).values_list("sku__code", flat=True)
    ) == {
        "slow",
        "dead",
    }
    assert _consistency_problems(run) == []

    # and once the switch is dismissed, the next run of the day suggests the shipment again
    services.fulfilment_decision_dismiss(decision=decision, user=None)
    again = runs.plan_run(plan_date=PLAN_DATE)
    assert FboShipmentSuggestion.objects.get(run=again, sku=fast).quantity == 5


def test_the_real_engines_suggestions_agree_with_each_other_and_with_stock(varied_catalogue):
    # given the varied catalogue with every SKU on FBO (the real engine ships for those), half
    # of them bulky (FBO storage dear: FBS cheaper)
    from inventory.models import Sku

    Sku.objects.update(scheme="fbo", volume_l=Decimal("2"))
    bulky = list(Sku.objects.order_by("pk").values_list("pk", flat=True))[::2]
    Sku.objects.filter(pk__in=bulky).update(volume_l=Decimal("400"), weight_kg=Decimal("60"))

    # when it is planned
    run = runs.plan_run(plan_date=PLAN_DATE)

    # then there are shipments and switches, and none contradicts another or the stock
    assert run.status == PlanRun.Status.DONE, run.error
    assert FboShipmentSuggestion.objects.filter(run=run).exists()
    assert FulfilmentDecision.objects.filter(run=run, recommended_scheme="fbs").exists()
    assert _consistency_problems(run) == []
