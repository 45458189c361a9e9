"""The planning run: read the catalogue, run the pure engine, store the results in bulk.

``plan_run`` reads through ``planning.snapshot``, plans chunk by chunk with ``planning.engine``
(in this process or on the Celery workers) and swaps the results in atomically. The decisions
people then take on its suggestions live in ``planning.services``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
from celery import chord
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from inventory.models import FulfilmentScheme, Sku
from planning.engine.schema import (
    DEMAND_CLASS_NAMES,
    DISTRIBUTION_NAMES,
    METHOD_NAMES,
    SCHEME_NAMES,
    CataloguePlan,
    CatalogueSnapshot,
    PlanParams,
    Tariffs,
)
from planning.models import (
    FboShipmentSuggestion,
    FulfilmentDecision,
    PlanRun,
    ReorderSuggestion,
    RiskThreshold,
    SkuPlan,
    SuggestionStatus,
)
from planning.services import order_quantity_round
from planning.snapshot import (
    SELF_RANKED,
    PlanInput,
    abc_floors_compute,
    catalogue_sku_ids,
    history_start,
    plan_input_build,
)
from planning.supplier_learning import supplier_performance_refresh

logger = logging.getLogger(__name__)

__all__ = [
    "ChunkResult",
    "plan_chunk_process",
    "plan_params",
    "plan_results_save",
    "plan_run",
    "plan_run_fail",
    "plan_run_finalise",
    "plan_run_start",
]

# plan_run ─┬─ in-process (no broker, or the ``plan`` command): chunk after chunk, then finalise
#           └─ dispatched: chord(group(plan_chunk × k), plan_finalise) on the Celery workers
#
# Each chunk reads its slice of the catalogue (planning.snapshot), runs the engine and inserts
# its SkuPlan rows and suggestions tagged with the run. Nothing is visible until
# ``plan_run_finalise`` swaps the run in, in one transaction. A failure anywhere marks the run
# failed and leaves the previous results alone.


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk did: SKUs planned and seconds spent reading, in the engine, writing."""

    skus: int = 0
    read: float = 0.0
    engine: float = 0.0
    write: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def plan_params() -> PlanParams:
    """Engine parameters: the house defaults, overridden by ``ZAPAS["PLAN_PARAMS"]``."""
    overrides = dict(settings.ZAPAS.get("PLAN_PARAMS", {}))
    tariffs = overrides.pop("tariffs", None)
    params = PlanParams(**overrides)
    if tariffs:
        params = replace(params, tariffs=Tariffs(**tariffs))
    return params


def _params_json(params: PlanParams) -> dict[str, Any]:
    data = asdict(params)
    data.pop("allowed", None)
    return data


def _engine_plan(snapshot: CatalogueSnapshot, params: PlanParams) -> CataloguePlan:
    """The engine's one entry point (looked up at call time so tests can replace it)."""
    from planning import engine

    return engine.plan_catalogue(snapshot, params)


def _chunk_bounds(sku_ids: np.ndarray, chunk_size: int) -> list[tuple[int, int]]:
    """Inclusive SKU-id ranges of ``chunk_size`` SKUs each."""
    return [
        (int(sku_ids[i]), int(sku_ids[min(i + chunk_size, sku_ids.size) - 1]))
        for i in range(0, sku_ids.size, chunk_size)
    ]


def _today() -> date:
    return timezone.localdate()


@transaction.atomic
def plan_run_start(
    *,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    chunk_size: int | None = None,
    triggered_by: str = "",
    dispatch: bool = False,
) -> tuple[PlanRun, list[tuple[int, int]]]:
    """Create the ``running`` run and split the catalogue into chunks (inclusive id ranges).

    The database allows one running run (partial unique constraint): a second start raises
    ``Conflict`` (code ``plan_running``). A run left ``running`` longer than
    ``ZAPAS["PLAN_STALE_HOURS"]`` (default 6) by a crashed worker is marked failed first.
    """
    plan_date = plan_date or _today()
    stale_before = timezone.now() - timedelta(
        hours=float(settings.ZAPAS.get("PLAN_STALE_HOURS", 6))
    )
    PlanRun.objects.filter(status=PlanRun.Status.RUNNING, created_at__lt=stale_before).update(
        status=PlanRun.Status.FAILED,
        error="Abandoned: still running after the stale limit.",
        finished_at=timezone.now(),
    )
    codes = sorted(set(sku_codes or []))
    params = plan_params()
    try:
        with transaction.atomic():
            run = PlanRun.objects.create(
                plan_date=plan_date,
                status=PlanRun.Status.RUNNING,
                sku_codes=codes,
                started_at=timezone.now(),
                triggered_by=triggered_by[:64],
            )
    except IntegrityError as exc:
        running = PlanRun.objects.filter(status=PlanRun.Status.RUNNING).first()
        raise Conflict(
            "Another planning run is in progress; try again when it finishes.",
            code="plan_running",
            details={"run": running.pk if running else None},
        ) from exc
    if settings.ZAPAS.get("PLAN_LEARNED_LEAD_TIMES", True):
        supplier_performance_refresh(as_of=plan_date)  # once per run: every chunk reads it
    sku_ids = catalogue_sku_ids(sku_codes=codes or None)
    if codes and sku_ids.size != len(codes):
        known = set(
            Sku.objects.filter(code__in=codes, is_active=True).values_list("code", flat=True)
        )
        raise InvalidInput(
            "Unknown or inactive SKU code(s): " + ", ".join(sorted(set(codes) - known)[:20]),
            code="unknown_sku",
        )
    start = history_start(plan_date=plan_date)
    default_size = (
        settings.ZAPAS.get("PLAN_DISPATCH_CHUNK_SIZE", 10_000)
        if dispatch
        else settings.ZAPAS.get("PLAN_CHUNK_SIZE", 100_000)
    )
    size = int(chunk_size or default_size)
    if size < 1:
        raise InvalidInput("The chunk size must be at least 1.", code="invalid_chunk_size")
    chunks = _chunk_bounds(sku_ids, size)
    if len(chunks) == 1 and not codes:
        # One chunk holds the whole catalogue: it ranks its own revenue (same figures as
        # the catalogue-wide query, which is then not needed).
        floors_json: list | str = SELF_RANKED
    else:
        floors = abc_floors_compute(plan_date=plan_date, start=start, cutoffs=params.abc_cutoffs)
        floors_json = [f if math.isfinite(f) else None for f in floors]
    run.parameters = {
        "history_start": start.isoformat(),
        "abc_floors": floors_json,
        "chunk_size": size,
        "engine": _params_json(params),
        "risk": RiskThreshold.from_settings().as_dict(),
    }
    run.history_days = (plan_date - start).days
    run.chunk_count = len(chunks)
    run.save(update_fields=["parameters", "history_days", "chunk_count"])
    return run, chunks


def plan_chunk_process(*, run_id: int, lo: int, hi: int) -> ChunkResult:
    """Plan SKUs ``lo`` … ``hi`` (ids, inclusive) of a running run and insert their results.

    Idempotent per chunk: rows of this run and id range are replaced. Does nothing if the run
    is no longer running (it failed elsewhere).
    """
    run = PlanRun.objects.get(pk=run_id)
    if run.status != PlanRun.Status.RUNNING:
        return ChunkResult()
    t0 = time.perf_counter()
    sku_ids = catalogue_sku_ids(sku_codes=run.sku_codes or None)
    sku_ids = sku_ids[(sku_ids >= lo) & (sku_ids <= hi)]
    if sku_ids.size == 0:
        return ChunkResult()
    start = date.fromisoformat(run.parameters["history_start"])
    floors_json = run.parameters["abc_floors"]
    if floors_json == SELF_RANKED:
        floors = SELF_RANKED
    else:
        floors = tuple(math.inf if f is None else f for f in floors_json)
    plan_input = plan_input_build(
        sku_ids=sku_ids,
        plan_date=run.plan_date,
        start=start,
        abc_floors=floors,
        abc_cutoffs=plan_params().abc_cutoffs,
    )
    t1 = time.perf_counter()
    params = plan_params()
    plan = _engine_plan(plan_input.snapshot, params)
    t2 = time.perf_counter()
    plan_results_save(run=run, plan_input=plan_input, plan=plan, params=params)
    t3 = time.perf_counter()
    PlanRun.objects.filter(pk=run_id).update(chunks_done=F("chunks_done") + 1)
    return ChunkResult(skus=int(sku_ids.size), read=t1 - t0, engine=t2 - t1, write=t3 - t2)


_SKU_PLAN_COLUMNS = [
    "run_id",
    "sku_id",
    "plan_date",
    "demand_class",
    "abc_class",
    "revenue",
    "adi",
    "cv2",
    "method",
    "forecast_mean",
    "forecast_sd",
    "holdout_mase",
    "holdout_rmsse",
    "holdout_bias",
    "service_level",
    "lead_time_days",
    "review_days",
    "lead_time_demand_mean",
    "lead_time_demand_sd",
    "distribution",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "available",
    "on_order",
    "in_transit",
    "inventory_position",
    "suggested_order",
    "risk_horizon_days",
    "stockout_probability",
    "expected_units_short",
    "expected_cancelled_orders",
    "days_of_cover",
    "stockout_date",
    "fbo_monthly_cost",
    "fbs_monthly_cost",
    "current_scheme",
    "recommended_scheme",
    "scheme_reasons",
]


def _finite_or_none(values: np.ndarray, digits: int = 4) -> list[float | None]:
    values = np.asarray(values, dtype=np.float64)
    rounded = np.round(values, digits)
    return [None if not math.isfinite(v) else v for v in rounded.tolist()]


def _floats(values: np.ndarray, digits: int = 4) -> list[float]:
    return np.round(np.nan_to_num(np.asarray(values, dtype=np.float64)), digits).tolist()


def _names(codes: np.ndarray, names: tuple[str, ...]) -> list[str]:
    return [names[c] if 0 <= c < len(names) else "" for c in np.asarray(codes).tolist()]


def _scheme_code(scheme: str) -> str:
    return FulfilmentScheme.FBO.value if scheme == "FBO" else FulfilmentScheme.FBS.value


def _bulk_insert(model, columns: list[str], rows: list[tuple]) -> None:
    """Insert many rows fast: COPY on PostgreSQL, one ``executemany`` elsewhere.

    ``rows`` hold database-ready values for every column (no model defaults are applied).
    """
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)


def _date_or_none(base: date, days: float) -> date | None:
    if not math.isfinite(days) or days > 3650:
        return None
    return base + timedelta(days=max(0, int(math.floor(days))))


@transaction.atomic
def plan_results_save(
    *, run: PlanRun, plan_input: PlanInput, plan: CataloguePlan, params: PlanParams
) -> None:
    """Insert the engine's figures (one ``SkuPlan`` per SKU) and the suggestions of one chunk.

    Bulk writes only (COPY on PostgreSQL). SKUs that already have an approved reorder
    suggestion, or whose suggestion of the same plan date was dismissed, get no new one; the
    same holds for FBO shipments and scheme decisions. Existing rows of this run for these SKUs
    are replaced first, so a retried chunk does not duplicate anything.
    """
    if connection.vendor == "postgresql":
        # Derived, recomputable rows: do not wait for the WAL flush at commit. A crash can
        # lose only this chunk's rows; the run then never finishes and is abandoned.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
    n = plan_input.n_skus
    sku_ids = plan_input.sku_ids
    ids = sku_ids.tolist()
    plan_date = run.plan_date
    snap = plan_input.snapshot
    lo, hi = ids[0], ids[-1]
    in_chunk = {"sku_id__gte": lo, "sku_id__lte": hi}
    for model in (SkuPlan, ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
        model.objects.filter(run=run, **in_chunk).delete()

    stockout_dates = [_date_or_none(plan_date, d) for d in np.asarray(plan.stockout_day).tolist()]
    current = _names(snap.current_scheme, SCHEME_NAMES)
    recommended = _names(plan.recommended_scheme, SCHEME_NAMES)
    columns = [
        [run.pk] * n,
        ids,
        [plan_date] * n,
        _names(plan.demand_class, DEMAND_CLASS_NAMES),
        plan_input.abc_class,
        _floats(plan_input.revenue, 2),
        _finite_or_none(plan.adi),
        _floats(plan.cv2),
        _names(plan.method, METHOD_NAMES),
        _floats(plan.forecast_mean),
        _floats(plan.forecast_sd),
        _finite_or_none(plan.holdout_mase),
        _finite_or_none(plan.holdout_rmsse),
        _finite_or_none(plan.holdout_bias),
        _floats(snap.service_level),
        _floats(snap.lead_time_mean_days, 2),
        _floats(snap.review_days, 2),
        _floats(plan.lead_time_demand_mean),
        _floats(plan.lead_time_demand_sd),
        _names(plan.distribution, DISTRIBUTION_NAMES),
        _floats(plan.safety_stock, 2),
        _floats(plan.reorder_point, 2),
        _floats(plan.order_up_to, 2),
        np.asarray(snap.available).astype(np.int64).tolist(),
        np.asarray(snap.on_order).astype(np.int64).tolist(),
        np.asarray(snap.in_transit).astype(np.int64).tolist(),
        _floats(plan.inventory_position, 2),
        np.rint(np.nan_to_num(plan.suggested_order)).astype(np.int64).tolist(),
        _floats(plan.risk_horizon_days, 2),
        _floats(plan.stockout_probability),
        _floats(plan.expected_units_short),
        _floats(plan.expected_cancelled_orders),
        _finite_or_none(plan.days_of_cover, 2),
        stockout_dates,
        _floats(plan.fbo_monthly_cost, 2),
        _floats(plan.fbs_monthly_cost, 2),
        [_scheme_code(s) for s in current],
        [_scheme_code(s) for s in recommended],
        np.asarray(plan.scheme_reasons).astype(np.int64).tolist(),
    ]
    _bulk_insert(SkuPlan, _SKU_PLAN_COLUMNS, list(zip(*columns, strict=True)))

    # SKUs a person already decided about: leave them alone
    approved = set(
        ReorderSuggestion.objects.filter(status=SuggestionStatus.APPROVED, **in_chunk).values_list(
            "sku_id", flat=True
        )
    ) | set(
        ReorderSuggestion.objects.filter(
            status=SuggestionStatus.DISMISSED, plan_date=plan_date, **in_chunk
        ).values_list("sku_id", flat=True)
    )
    fbo_held = set(
        FboShipmentSuggestion.objects.filter(
            Q(status=SuggestionStatus.APPROVED)
            | Q(status=SuggestionStatus.DISMISSED, plan_date=plan_date),
            **in_chunk,
        ).values_list("sku_id", "warehouse_id")
    )
    decisions_held = set(
        FulfilmentDecision.objects.filter(
            status=SuggestionStatus.DISMISSED, plan_date=plan_date, **in_chunk
        ).values_list("sku_id", flat=True)
    )
    now = timezone.now()

    # reorder suggestions
    suggested = np.rint(np.nan_to_num(plan.suggested_order)).astype(np.int64)
    moq = np.asarray(snap.moq).astype(np.int64)
    pack = np.asarray(snap.pack_size).astype(np.int64)
    reorder_rows = []
    for i in np.flatnonzero(
        (suggested > 0) & (plan_input.supplier_id > 0) & (plan_input.destination_id > 0)
    ).tolist():
        if ids[i] in approved:
            continue
        quantity = order_quantity_round(quantity=int(suggested[i]), moq=moq[i], pack_size=pack[i])
        unit_cost = round(float(plan_input.supplier_unit_cost[i]), 2)
        lead = snap.lead_time_mean_days[i]
        stockout = stockout_dates[i]
        reason = (
            f"Position {plan.inventory_position[i]:.0f} ≤ reorder point "
            f"{plan.reorder_point[i]:.0f}; up to {plan.order_up_to[i]:.0f}; "
            f"stock-out risk {plan.stockout_probability[i]:.0%}"
            + (f", runs out {stockout:%d.%m}" if stockout else "")
        )
        reorder_rows.append(
            (
                run.pk,
                plan_date,
                ids[i],
                int(plan_input.supplier_id[i]),
                int(plan_input.destination_id[i]),
                quantity,
                unit_cost,
                round(unit_cost * quantity, 2),
                plan_date + timedelta(days=math.ceil(lead)),
                reason[:255],
                SuggestionStatus.PROPOSED.value,
                "",
                now,
            )
        )
    _bulk_insert(
        ReorderSuggestion,
        [
            "run_id",
            "plan_date",
            "sku_id",
            "supplier_id",
            "warehouse_id",
            "quantity",
            "unit_cost",
            "cost",
            "expected_arrival",
            "reason",
            "status",
            "dismiss_reason",
            "created_at",
        ],
        reorder_rows,
    )

    # FBO shipments
    shipment = np.rint(np.nan_to_num(np.asarray(plan.fbo_shipment, dtype=np.float64)))
    fbo_rows = []
    if shipment.size:
        for i, j in zip(*np.nonzero(shipment >= 1), strict=True):
            warehouse_id = int(plan_input.fbo_warehouse_ids[j])
            if (ids[i], warehouse_id) in fbo_held:
                continue
            fbo_rows.append(
                (
                    run.pk,
                    plan_date,
                    ids[i],
                    warehouse_id,
                    int(shipment[i, j]),
                    SuggestionStatus.PROPOSED.value,
                    now,
                )
            )
    _bulk_insert(
        FboShipmentSuggestion,
        ["run_id", "plan_date", "sku_id", "warehouse_id", "quantity", "status", "created_at"],
        fbo_rows,
    )

    # fulfilment scheme decisions: only where the recommendation differs from a single scheme
    decision_rows = []
    for i in np.flatnonzero(
        np.asarray(plan.recommended_scheme) != np.asarray(snap.current_scheme)
    ).tolist():
        if plan_input.scheme[i] == FulfilmentScheme.BOTH or ids[i] in decisions_held:
            continue
        decision_rows.append(
            (
                run.pk,
                plan_date,
                ids[i],
                plan_input.scheme[i],
                _scheme_code(recommended[i]),
                round(float(plan.fbo_monthly_cost[i]), 2),
                round(float(plan.fbs_monthly_cost[i]), 2),
                json.dumps(plan.reasons_of(i)),
                SuggestionStatus.PROPOSED.value,
                now,
            )
        )
    _bulk_insert(
        FulfilmentDecision,
        [
            "run_id",
            "plan_date",
            "sku_id",
            "current_scheme",
            "recommended_scheme",
            "fbo_monthly_cost",
            "fbs_monthly_cost",
            "reasons",
            "status",
            "created_at",
        ],
        decision_rows,
    )


def _abc_refresh(run: PlanRun) -> None:
    """Store the run's ABC classes on the SKUs (the admin shows and filters by them)."""
    for abc in ("A", "B", "C"):
        Sku.objects.filter(
            pk__in=SkuPlan.objects.filter(run=run, abc_class=abc).values("sku_id")
        ).exclude(abc_class=abc).update(abc_class=abc)


@transaction.atomic
def plan_run_finalise(*, run_id: int, chunk_results: Sequence[ChunkResult | dict] = ()) -> PlanRun:
    """Make a running run's results the live ones, atomically.

    Locks the run row. The previous finished run of the same date is superseded: a partial
    run (``sku_codes``) takes over the previous rows of the SKUs it did not plan; the rest of
    the previous rows go. Proposed suggestions of earlier runs (of the SKUs this run planned,
    up to its plan date) are deleted; approved, ordered and dismissed ones are never touched.
    Rows left behind by failed runs are cleaned up. Idempotent: a run already finished is
    returned as it is.
    """
    t0 = time.perf_counter()
    run = PlanRun.objects.select_for_update().get(pk=run_id)
    if run.status != PlanRun.Status.RUNNING:
        return run
    _abc_refresh(run)
    planned = SkuPlan.objects.filter(run=run).values("sku_id")
    previous = list(
        PlanRun.objects.select_for_update()
        .filter(plan_date=run.plan_date, status=PlanRun.Status.DONE)
        .exclude(pk=run.pk)
        .values_list("pk", flat=True)
    )
    if previous and run.sku_codes:
        # A partial re-run: carry over what the previous run said about the other SKUs.
        carried = SkuPlan.objects.filter(run_id__in=previous).exclude(sku_id__in=planned)
        carried.update(run=run)
        for model in (ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
            model.objects.filter(run_id__in=previous).exclude(sku_id__in=planned).update(run=run)
    stale_runs = PlanRun.objects.filter(
        Q(pk__in=previous) | Q(status__in=[PlanRun.Status.FAILED, PlanRun.Status.SUPERSEDED])
    ).values("pk")
    SkuPlan.objects.filter(run_id__in=stale_runs).delete()
    for model in (ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
        outdated = model.objects.filter(
            status=SuggestionStatus.PROPOSED, plan_date__lte=run.plan_date
        ).exclude(run=run)
        if run.sku_codes:
            outdated = outdated.filter(sku_id__in=planned)
        outdated.delete()
        # proposals of failed runs are never shown
        model.objects.filter(
            status=SuggestionStatus.PROPOSED, run__status=PlanRun.Status.FAILED
        ).delete()
    PlanRun.objects.filter(pk__in=previous).update(status=PlanRun.Status.SUPERSEDED)
    _prune_old_results(keep=int(settings.ZAPAS.get("PLAN_KEEP_RUNS", 30)))

    results = [r if isinstance(r, ChunkResult) else ChunkResult(**r) for r in chunk_results]
    timings = {
        stage: round(sum(getattr(r, stage) for r in results), 3)
        for stage in ("read", "engine", "write")
    }
    run.sku_count = SkuPlan.objects.filter(run=run).count()
    run.reorder_count = ReorderSuggestion.objects.filter(run=run).count()
    run.fbo_shipment_count = FboShipmentSuggestion.objects.filter(run=run).count()
    run.scheme_change_count = FulfilmentDecision.objects.filter(run=run).count()
    run.at_risk_count = (
        SkuPlan.objects.filter(run=run).filter(RiskThreshold.of_run(run).condition()).count()
    )
    timings["finalise"] = round(time.perf_counter() - t0, 3)
    run.timings = {**run.timings, **timings}
    run.status = PlanRun.Status.DONE
    run.finished_at = timezone.now()
    run.error = ""
    run.save()
    return run


def _prune_old_results(*, keep: int) -> None:
    """Keep the per-SKU figures of the latest ``keep`` finished runs; older runs keep their
    summary row (and any decided suggestion) only."""
    old = PlanRun.objects.done().order_by("-plan_date", "-id").values_list("pk", flat=True)[keep:]
    old_ids = list(old[:1000])
    if old_ids:
        SkuPlan.objects.filter(run_id__in=old_ids).delete()


def plan_run_fail(*, run_id: int, error: BaseException | str) -> PlanRun:
    """Record why a run failed; its partial rows go, the previous results stay live."""
    message = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    with transaction.atomic():
        run = PlanRun.objects.select_for_update().get(pk=run_id)
        if run.status != PlanRun.Status.RUNNING:
            return run
        run.status = PlanRun.Status.FAILED
        run.error = message[:10_000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
    with transaction.atomic():
        SkuPlan.objects.filter(run=run).delete()
        for model in (ReorderSuggestion, FboShipmentSuggestion, FulfilmentDecision):
            model.objects.filter(run=run, status=SuggestionStatus.PROPOSED).delete()
    logger.warning("Planning run %s failed: %s", run_id, message)
    return run


def _broker_configured() -> bool:
    return not settings.CELERY_TASK_ALWAYS_EAGER and bool(settings.CELERY_BROKER_URL)


def plan_run(
    *,
    plan_date: date | None = None,
    sku_codes: Sequence[str] | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int], object] | None = None,
    triggered_by: str = "",
    dispatch: bool | None = None,
) -> PlanRun:
    """Plan the catalogue (or ``sku_codes``) for ``plan_date`` (default: today in TIME_ZONE).

    Reads stock, open purchase orders, transfers and demand history in bulk, runs the engine
    chunk by chunk (``chunk_size`` SKUs; default ``ZAPAS["PLAN_CHUNK_SIZE"]`` = 100 000 in
    process, ``ZAPAS["PLAN_DISPATCH_CHUNK_SIZE"]`` = 10 000 on workers) and swaps the
    results in atomically (``plan_run_finalise``). ``progress(n)`` is called after each chunk
    with the number of SKUs it planned (a tqdm bar's ``update``).

    ``dispatch``: True sends the chunks to the Celery workers as a ``chord`` and returns the
    run still ``running``; False runs everything here; None (default) dispatches only when a
    broker is configured. Raises ``Conflict`` (``plan_running``) if a run is in progress.
    A failure inside the run is not raised: the returned run is ``failed`` with the error.
    Call it outside a transaction: the chunks (and worker processes) must see the run row.
    """
    if dispatch is None:
        dispatch = _broker_configured()
    run, chunks = plan_run_start(
        plan_date=plan_date,
        sku_codes=sku_codes,
        chunk_size=chunk_size,
        triggered_by=triggered_by,
        dispatch=dispatch,
    )
    try:
        if dispatch and chunks:
            from planning.tasks import plan_chunk, plan_finalise

            header = [plan_chunk.s(run.pk, lo, hi) for lo, hi in chunks]
            result = chord(header)(plan_finalise.s(run.pk))
            PlanRun.objects.filter(pk=run.pk, status=PlanRun.Status.RUNNING).update(
                task_id=str(result.id or "")[:64]
            )
            run.refresh_from_db()
            return run
        results = []
        for lo, hi in chunks:
            result = plan_chunk_process(run_id=run.pk, lo=lo, hi=hi)
            results.append(result)
            if progress is not None:
                progress(result.skus)
        return plan_run_finalise(run_id=run.pk, chunk_results=results)
    except Exception as exc:  # the run records any failure; callers read run.status
        logger.exception("Planning run %s failed", run.pk)
        return plan_run_fail(run_id=run.pk, error=exc)
